import type { DeduplicationHelperFunctions, ICheckProcessedOptions, IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { fetchTask } from './task';
import type { HistoryEntry, RecentTasks } from './taskHistory';
import { listRecentTasks } from './taskHistory';
import { isFailed } from './taskStatus';

/** One item's Idempotency Key and how long a task submitted under it is reused (milliseconds). */
export interface IdempotencySetting {
	key: string;
	reuseWindowMs: number;
}

/**
 * Where a key is remembered: n8n's processed-data store, the one behind the Remove Duplicates node. It is written at
 * once to n8n's database (not at the end of the execution, as workflow static data is), shared by every main and
 * worker process, the same for a Retry of the execution (it is keyed by workflow and node id, not by the workflow
 * copy the retry runs) and written in manual runs too. It keeps only an MD5 of each value, so it records *that* a key
 * was submitted and which task went with it; the task itself is found in WaveSpeed's task history (see ARCHITECTURE.md).
 */
const STORE_SCOPE = 'node';
const STORE_OPTIONS: ICheckProcessedOptions = { mode: 'entries', maxEntries: 100_000 };
/** Candidate task ids checked per store call (the non-matches are removed again at once). */
const PROBE_CHUNK = 500;

const submittedValue = (key: string) => JSON.stringify(['wavespeed-key', key]);
const taskValue = (key: string, taskId: string) => JSON.stringify(['wavespeed-key-task', key, taskId]);

/**
 * n8n's store reads the node's row, awaits the database, then writes the row back whole: two calls at once lose one's
 * entries, and two first calls both insert the row (one fails on its unique key). So this process makes one call at a
 * time per workflow and node (the items of a batch, and executions sharing a main process or worker).
 */
const storeQueues = new Map<string, Promise<void>>();

async function inStoreQueue<T>(ctx: IExecuteFunctions, use: () => Promise<T>): Promise<T> {
	const row = `${ctx.getWorkflow().id ?? ''}|${ctx.getNode().id}`;
	const result = (storeQueues.get(row) ?? Promise.resolve()).then(use);
	const tail = result.then(
		() => undefined,
		() => undefined,
	);
	storeQueues.set(row, tail);
	void tail.then(() => storeQueues.get(row) === tail && storeQueues.delete(row));
	return await result;
}

/**
 * One store call, in the queue, tried a second time if it fails: a process of its own (another worker) may have
 * inserted the node's row between our read and our insert; the second call then updates it. Recording and removing
 * are idempotent, so a second call never does harm.
 */
async function useStore<T>(ctx: IExecuteFunctions, call: () => Promise<T>): Promise<T> {
	return await inStoreQueue(ctx, async () => await call().catch(async () => await call()));
}

/** What the items of one execution share: each key's task in this run, and the history listings made. */
interface RunKeys {
	tasks: Map<string, Promise<string | undefined>>;
	histories: Map<number, Promise<RecentTasks>>;
}
const runs = new WeakMap<object, RunKeys>();

/** What the item's run context must offer (helpers never import actions/). */
export interface KeyedContext {
	signal: AbortSignal;
	record: { taskId?: string };
	onSubmitted(taskId: string): void | Promise<void>;
}

/**
 * Runs one item under its Idempotency Key: a task submitted under the same key inside the reuse window (by any
 * execution of this node, or an earlier item of this one) is picked up and downloaded again, `reused: true`;
 * otherwise the item submits as always, and the key → task id link is written the moment the task id exists. A key
 * whose last task failed is submitted again. No key, or a task an earlier try of this run paid for: as before.
 */
export async function runWithIdempotencyKey<C extends KeyedContext, T extends { json: IDataObject }>(
	ctx: IExecuteFunctions,
	runKey: object,
	setting: IdempotencySetting | undefined,
	context: C,
	call: { itemIndex: number; timeoutMs: number },
	work: (context: C) => Promise<T>,
): Promise<T> {
	if (!setting || context.record.taskId) return await work(context);
	let keys = runs.get(runKey);
	if (!keys) runs.set(runKey, (keys = { tasks: new Map(), histories: new Map() }));
	// Items of one batch with the same key: each waits for the one before it, and takes its task.
	const earlierInRun = keys.tasks.get(setting.key);
	let settle: (taskId: string | undefined) => void = () => {};
	keys.tasks.set(setting.key, new Promise((resolve) => (settle = resolve)));

	const lookup = { itemIndex: call.itemIndex, signal: context.signal, deadlineMs: Date.now() + call.timeoutMs };
	let reuseTaskId: string | undefined;
	let looked = false;
	try {
		reuseTaskId = (earlierInRun && (await earlierInRun)) || (await findEarlierTask(ctx, keys, setting, lookup));
		looked = true;
	} finally {
		// A failed lookup sends nothing: the next item with this key looks for itself.
		if (!looked) settle(undefined);
	}
	if (reuseTaskId) {
		settle(reuseTaskId);
		// Through the ledger, as if an earlier try had paid for it: the pick-up path waits for it and downloads again.
		await context.onSubmitted(reuseTaskId);
		const item = await work(context);
		return { ...item, json: { ...item.json, reused: true } };
	}

	let recording: Promise<void> | undefined;
	const keyed: C = {
		...context,
		onSubmitted: async (taskId: string) => {
			await context.onSubmitted(taskId);
			settle(taskId);
			// Awaited by the item before it waits for the task: a later execution finds the key at once.
			recording ??= recordTask(ctx, setting.key, taskId, call.itemIndex);
			await recording;
		},
	};
	try {
		return await work(keyed);
	} finally {
		settle(undefined);
		await recording;
	}
}

/** An item's lookup of its key: bounded by its Timeout and its signal. */
type KeyLookup = { itemIndex: number; signal: AbortSignal; deadlineMs: number };

/** The newest task linked to the key inside the window, unless it failed; undefined = submit. */
async function findEarlierTask(
	ctx: IExecuteFunctions,
	keys: RunKeys,
	setting: IdempotencySetting,
	lookup: KeyLookup,
): Promise<string | undefined> {
	const store = getStore(ctx, lookup.itemIndex);
	const claimed = await callStore(ctx, lookup.itemIndex, async () => await store.checkProcessedAndRecord([submittedValue(setting.key)], STORE_SCOPE, STORE_OPTIONS));
	// Never submitted by this node: no history to read (the common case costs one store call).
	if (claimed.new.length > 0) return undefined;

	const recent = await getRecentTasks(ctx, keys, setting.reuseWindowMs, lookup);
	const linked = await findLinked(ctx, store, setting.key, recent.entries, lookup.itemIndex);
	const newest = linked[0];
	if (newest) {
		const task = await fetchTask(ctx, newest.id, lookup.itemIndex, lookup.signal, lookup.deadlineMs);
		return isFailed(task.status) ? undefined : task.id;
	}
	if (!recent.complete) {
		throw new NodeOperationError(ctx.getNode(), `Idempotency Key "${setting.key}" was submitted before, and its task could not be looked up`, {
			itemIndex: lookup.itemIndex,
			description: `Your WaveSpeed account has more than ${recent.entries.length} tasks inside the Reuse Window; this node reads that many at most. Nothing was submitted for this item. Lower "Reuse Window (Hours)", or change the key to pay for a new task.`,
		});
	}
	// Submitted before the window, or the submit never gave a task id: a new task.
	return undefined;
}

/** One listing per window per execution, shared by its items; a failed listing is not kept. */
async function getRecentTasks(
	ctx: IExecuteFunctions,
	keys: RunKeys,
	reuseWindowMs: number,
	lookup: KeyLookup,
): Promise<RecentTasks> {
	let listing = keys.histories.get(reuseWindowMs);
	if (!listing) {
		listing = listRecentTasks(ctx, Date.now() - reuseWindowMs, lookup);
		keys.histories.set(reuseWindowMs, listing);
		listing.catch(() => keys.histories.delete(reuseWindowMs));
	}
	return await listing;
}

/**
 * The history entries whose id the store links to the key, newest first. The store only answers "recorded or not"
 * by recording, so the candidates it did not know are removed again at once.
 */
async function findLinked(
	ctx: IExecuteFunctions,
	store: DeduplicationHelperFunctions,
	key: string,
	entries: HistoryEntry[],
	itemIndex: number,
): Promise<HistoryEntry[]> {
	const linked: HistoryEntry[] = [];
	for (let start = 0; start < entries.length; start += PROBE_CHUNK) {
		const chunk = entries.slice(start, start + PROBE_CHUNK);
		const byValue = new Map(chunk.map((entry) => [taskValue(key, entry.id), entry]));
		const answer = await callStore(ctx, itemIndex, async () => await store.checkProcessedAndRecord([...byValue.keys()], STORE_SCOPE, STORE_OPTIONS));
		if (answer.new.length > 0) await callStore(ctx, itemIndex, async () => await store.removeProcessed(answer.new, STORE_SCOPE, STORE_OPTIONS));
		for (const value of answer.processed) linked.push(byValue.get(String(value)) as HistoryEntry);
		// The history is newest first: a chunk with a link holds the newest one, later chunks only older tasks.
		if (linked.length > 0) break;
	}
	return linked.sort((a, b) => (b.createdAtMs ?? 0) - (a.createdAtMs ?? 0));
}

/**
 * Links the key to its new task. The task is paid for already: a store failure is logged, never thrown (the item
 * keeps its result). Another process (a worker) running this node and writing at the same moment can overwrite our
 * entries (see inStoreQueue): they are written a second time, which re-adds whatever was lost.
 */
async function recordTask(ctx: IExecuteFunctions, key: string, taskId: string, itemIndex: number): Promise<void> {
	const values = [taskValue(key, taskId), submittedValue(key)];
	try {
		const store = getStore(ctx, itemIndex);
		await useStore(ctx, async () => await store.checkProcessedAndRecord(values, STORE_SCOPE, STORE_OPTIONS));
		await useStore(ctx, async () => await store.checkProcessedAndRecord(values, STORE_SCOPE, STORE_OPTIONS));
	} catch (error) {
		ctx.logger.warn(
			`WaveSpeed task ${taskId} (item ${itemIndex}) was submitted, but its Idempotency Key "${key}" could not be recorded: ${(error as Error).message}. A later run with this key will pay for a new task.`,
			{ itemIndex, taskId },
		);
	}
}

function getStore(ctx: IExecuteFunctions, itemIndex: number): DeduplicationHelperFunctions {
	const helpers = ctx.helpers as Partial<DeduplicationHelperFunctions>;
	if (typeof helpers.checkProcessedAndRecord !== 'function' || typeof helpers.removeProcessed !== 'function') {
		throw new NodeOperationError(ctx.getNode(), 'Idempotency Key needs n8n\'s deduplication store, which this context does not offer', {
			itemIndex,
			description: 'Nothing was submitted for this item. Clear "Idempotency Key", or run the node as a regular workflow step.',
		});
	}
	return helpers as DeduplicationHelperFunctions;
}

async function callStore<T>(ctx: IExecuteFunctions, itemIndex: number, use: () => Promise<T>): Promise<T> {
	try {
		return await useStore(ctx, use);
	} catch (error) {
		throw new NodeOperationError(ctx.getNode(), `Idempotency Key: n8n's deduplication store failed: ${(error as Error).message}`, {
			itemIndex,
			description: 'Nothing was submitted for this item. The store belongs to a saved workflow: save a new workflow before running it with a key.',
		});
	}
}
