import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { isTransferGone } from '../transport/files';
import { sleepUnlessAborted } from '../transport/sleep';
import { claimKey, isStoreFailure, readLinks, readPayer, recordLink, wasDelivered } from './linkStore';
import type { LinkReading } from './linkStore';
import type { EarlierTask, RequestPreview } from './requestMatch';
import { matchEarlierTask } from './requestMatch';
import { fetchTask } from '../task/task';
import type { HistoryEntry, RecentTasks } from './taskHistory';
import { listRecentTasks } from './taskHistory';
import { isFailed } from '../models/taskStatus';
import type { Task } from '../transport/types';

/**
 * How an item may take a task paid for earlier instead of paying again: by the user's Idempotency Key (`key`), or, by
 * default, by its request itself (`recovery`: a result a crashed or cut-off run paid for and never delivered; the key
 * is reuse/recoveryKey.ts's). Also how long such a task is taken (ms), and what the item would send.
 */
export interface IdempotencySetting {
	kind: 'key' | 'recovery';
	key: string;
	reuseWindowMs: number;
	/** Checked against the linked task before its result is output as the key's (reuse/requestMatch.ts). */
	request: RequestPreview;
}

/** Linked tasks checked against WaveSpeed per item, newest first: past these the key is "cannot check", paid anew. */
const MAX_TASKS_CHECKED = 3;

/** What the items of one execution share: each key's task in this run, and the history listings made. */
interface RunKeys {
	tasks: Map<string, Promise<string | undefined>>;
	histories: Map<number, { listing: Promise<RecentTasks>; deadlineMs: number }>;
	/** Default recovery met a failing store: the rest of the run pays as it always did, with one warning in the log. */
	recoveryOff?: boolean;
}
const runs = new WeakMap<object, RunKeys>();

/** What the item's run context must offer (reuse/ never imports the engine or the operations above it). */
export interface KeyedContext {
	signal: AbortSignal;
	record: { taskId?: string };
	onSubmitted(taskId: string): void | Promise<void>;
	/** A webhook wait's callback: dropped for a task another execution submitted (WaveSpeed calls that one back). */
	callback?: unknown;
}

/** An item's lookup of its key: bounded by its Timeout (counted from the item's start) and its signal. */
type KeyLookup = { itemIndex: number; signal: AbortSignal; deadlineMs: number };

/** What the lookup found: a task to reuse (whether this execution submitted it, who paid), and why another was not. */
interface Found {
	reuse?: { taskId: string; fromThisRun: boolean; payerExecutionId?: string };
	reuseNote?: string;
}

/**
 * Runs one item under its Idempotency Key: a task submitted under the same key inside the reuse window (by any
 * execution of this node, or an earlier item of this one) whose model and inputs are this item's is picked up and
 * downloaded again, `reused: true`; otherwise the item submits as always (with a `reuseNote` where a linked task was
 * not taken), and the key → task link is written the moment the task id exists. A key whose last task failed is
 * submitted again. No key, or a task an earlier try of this run paid for: as before.
 */
export async function runWithIdempotencyKey<C extends KeyedContext, T extends { json: IDataObject }>(
	ctx: IExecuteFunctions,
	runKey: object,
	setting: IdempotencySetting | undefined,
	context: C,
	lookup: KeyLookup,
	work: (context: C) => Promise<T>,
): Promise<T> {
	if (!setting || context.record.taskId) return await work(context);
	let keys = runs.get(runKey);
	if (!keys) runs.set(runKey, (keys = { tasks: new Map(), histories: new Map() }));
	if (setting.kind === 'recovery' && keys.recoveryOff) return await work(context);
	// Items of one batch with the same key: each waits for the one before it, and takes its task.
	const earlierInRun = keys.tasks.get(setting.key);
	let settle: (taskId: string | undefined) => void = () => {};
	keys.tasks.set(setting.key, new Promise((resolve) => (settle = resolve)));

	let found: Found | undefined;
	try {
		const inRun = earlierInRun && (await earlierInRun);
		found = inRun ? { reuse: { taskId: inRun, fromThisRun: true } } : setting.kind === 'key' ? await findEarlierTask(ctx, keys, setting, lookup) : await findRecoverable(ctx, keys, setting, lookup);
	} finally {
		// A failed lookup sends nothing: the next item with this key looks for itself.
		if (!found) settle(undefined);
	}
	if (setting.kind === 'recovery' && keys.recoveryOff) return await work(context);
	let reuseNote = found.reuseNote;
	if (found.reuse) {
		const { taskId, fromThisRun } = found.reuse;
		settle(taskId);
		// Through the ledger, as if an earlier try had paid for it: the pick-up path waits for it and downloads again.
		await context.onSubmitted(taskId);
		// Another execution's task reports to that execution's webhook: this item polls it instead of waiting for a call.
		const polled = !fromThisRun && context.callback !== undefined;
		const reused = await work(polled ? { ...context, callback: undefined } : context).then(
			(item) => ({ item }),
			(error: Error) => ({ error }),
		);
		if ('item' in reused) {
			const note = polled ? { reuseNote: 'Polled: another execution submitted this task, and WaveSpeed calls back only that execution' } : {};
			const { payerExecutionId } = found.reuse;
			const label = setting.kind === 'key' ? { reused: true } : { recovered: true, ...(payerExecutionId ? { recoveredFromExecution: payerExecutionId } : {}) };
			return { ...reused.item, json: { ...reused.item.json, ...label, ...note } };
		}
		if (!isTransferGone(reused.error)) throw reused.error;
		// The result files are gone (WaveSpeed's retention): pay for a new task rather than fail the key for good.
		context.record.taskId = undefined;
		reuseNote = `Not reused: the result of task ${taskId} can no longer be downloaded (${reused.error.message}). A new task was submitted.`;
	}

	let recording: Promise<void> | undefined;
	const keyed: C = {
		...context,
		onSubmitted: async (taskId: string) => {
			await context.onSubmitted(taskId);
			settle(taskId);
			// Awaited by the item before it waits for the task: a later execution finds the key at once.
			recording ??= recordLink(ctx, setting.key, taskId, lookup.itemIndex, setting.kind === 'recovery' ? ctx.getExecutionId() : undefined);
			await recording;
		},
	};
	try {
		const item = await work(keyed);
		return reuseNote ? { ...item, json: { ...item.json, reuseNote } } : item;
	} finally {
		settle(undefined);
		await recording;
	}
}

/** The newest task linked to the key inside the window that is proven to be this item's request, unless it failed. */
async function findEarlierTask(ctx: IExecuteFunctions, keys: RunKeys, setting: IdempotencySetting, lookup: KeyLookup): Promise<Found> {
	const found = await findLinkedTasks(ctx, keys, setting, lookup);
	if (!found) return {};
	const { recent, linked, readings } = found;
	if (linked.length === 0 && !recent.complete) {
		throw new NodeOperationError(ctx.getNode(), `Idempotency Key "${setting.key}" was submitted before, and its task could not be looked up`, {
			itemIndex: lookup.itemIndex,
			description: `Your WaveSpeed account has more than ${recent.entries.length} tasks inside the Reuse Window; this node reads that many at most. Nothing was submitted for this item. Lower "Reuse Window (Hours)", or change the key to pay for a new task.`,
		});
	}
	const verdict = await findProvenTask(ctx, setting, lookup, linked, readings);
	if ('task' in verdict) return isFailed(verdict.task.status) ? {} : { reuse: { taskId: verdict.task.id, fromThisRun: false } };
	return verdict.rejected ? { reuseNote: `Not reused: a task linked to Idempotency Key "${setting.key}" was not proven to be this item's (${verdict.rejected}). A new task was submitted.` } : {};
}

/**
 * Default recovery: the newest task this exact request paid for in the window whose result never reached the
 * workflow (a crash, a redeploy, a node that failed after it was paid). Never fails the item: on any trouble (no
 * store, an outage, a history too long) the item pays as it would have, and n8n's log says why.
 */
async function findRecoverable(ctx: IExecuteFunctions, keys: RunKeys, setting: IdempotencySetting, lookup: KeyLookup): Promise<Found> {
	try {
		const found = await findLinkedTasks(ctx, keys, setting, lookup);
		if (!found) return {};
		const verdict = await findProvenTask(ctx, setting, lookup, found.linked, found.readings);
		if (!('task' in verdict) || isFailed(verdict.task.status)) return {};
		// A result that reached the workflow is not taken again: running the same request on purpose pays for a new one.
		if (await wasDelivered(ctx, setting.key, verdict.task.id, lookup.itemIndex)) return {};
		const payerExecutionId = await readPayer(ctx, setting.key, verdict.task.id, lookup.itemIndex).catch(() => undefined);
		return { reuse: { taskId: verdict.task.id, fromThisRun: false, payerExecutionId } };
	} catch (error) {
		if (keys.recoveryOff) return {};
		const storeBroken = isStoreFailure(error);
		keys.recoveryOff = storeBroken;
		const scope = storeBroken ? 'items of this run' : `item ${lookup.itemIndex}`;
		ctx.logger.warn(`WaveSpeed: ${scope} could not look for an undelivered result of the same request, so they pay for new tasks: ${(error as Error).message}`, {
			itemIndex: lookup.itemIndex,
		});
		return {};
	}
}

/**
 * The tasks of the window the store links to the key, newest first; undefined when the key was never given before
 * (the common case costs one store call and no history).
 */
async function findLinkedTasks(ctx: IExecuteFunctions, keys: RunKeys, setting: IdempotencySetting, lookup: KeyLookup) {
	if (await claimKey(ctx, setting.key, lookup.itemIndex)) return undefined;
	const recent = await getRecentTasks(ctx, keys, setting, lookup);
	// Only tasks of this item's model can be its answer: fewer probes, and none for another model's tasks.
	const candidates = recent.entries.filter((entry) => entry.model === undefined || entry.model === setting.request.modelId);
	const readings = await readLinks(ctx, setting.key, candidates.map((entry) => entry.id), lookup.itemIndex);
	const linked = candidates.filter((entry) => readings.get(entry.id) !== 'none').sort((a, b) => (b.createdAtMs ?? 0) - (a.createdAtMs ?? 0));
	return { recent, linked, readings };
}

/**
 * The newest linked task that WaveSpeed proves to be this item's request (reuse/requestMatch.ts; strict for a
 * tainted link), or the first reason one was not.
 */
async function findProvenTask(
	ctx: IExecuteFunctions,
	setting: IdempotencySetting,
	lookup: KeyLookup,
	linked: HistoryEntry[],
	readings: Map<string, LinkReading>,
): Promise<{ task: Task } | { rejected?: string }> {
	const rejected: string[] = [];
	let fetched = 0;
	for (const entry of linked) {
		const strict = readings.get(entry.id) === ('tainted' satisfies LinkReading);
		// What the history says first (free); the task itself only for a candidate that passes.
		if (entry.model !== undefined) {
			const early = matchEarlierTask(setting.request, entry, strict);
			if (!early.matches) {
				rejected.push(early.reason);
				continue;
			}
		}
		if (fetched++ >= MAX_TASKS_CHECKED) {
			rejected.push(`more than ${MAX_TASKS_CHECKED} tasks are linked to the key`);
			break;
		}
		const task = await fetchTask(ctx, entry.id, lookup.itemIndex, lookup.signal, lookup.deadlineMs);
		const verdict = matchEarlierTask(setting.request, describeEarlier(entry, task), strict);
		if (verdict.matches) return { task };
		rejected.push(verdict.reason);
	}
	return { rejected: rejected[0] };
}

function describeEarlier(entry: HistoryEntry, task: Task): EarlierTask {
	const fromTask = task as Task & { input?: unknown; inputs?: unknown };
	const taskInputs = [fromTask.inputs, fromTask.input].find((value) => value !== null && typeof value === 'object' && !Array.isArray(value));
	return { id: task.id, model: task.model ?? entry.model, inputs: entry.inputs ?? (taskInputs as IDataObject | undefined) };
}

/**
 * One listing per window per execution, shared by its items, each waiting no longer than its own Timeout. A listing
 * that failed, or ran out of an earlier item's shorter Timeout, is made again by an item with more time left.
 */
async function getRecentTasks(ctx: IExecuteFunctions, keys: RunKeys, setting: IdempotencySetting, lookup: KeyLookup): Promise<RecentTasks> {
	const shared = keys.histories.get(setting.reuseWindowMs);
	if (shared) {
		const outcome = await withinDeadline(ctx, shared.listing, lookup).then(
			(recent) => ({ recent }),
			(error: Error) => ({ error }),
		);
		if ('recent' in outcome) return outcome.recent;
		const moreTimeLeft = shared.deadlineMs < lookup.deadlineMs && !lookup.signal.aborted && Date.now() < lookup.deadlineMs;
		if (!moreTimeLeft) throw outcome.error;
	}
	const listing = listRecentTasks(ctx, Date.now() - setting.reuseWindowMs, lookup);
	keys.histories.set(setting.reuseWindowMs, { listing, deadlineMs: lookup.deadlineMs });
	listing.catch(() => keys.histories.get(setting.reuseWindowMs)?.listing === listing && keys.histories.delete(setting.reuseWindowMs));
	return await listing;
}

/** Waits for a shared promise no longer than this item's deadline (the promise itself may serve a later item). */
async function withinDeadline<T>(ctx: IExecuteFunctions, promise: Promise<T>, lookup: KeyLookup): Promise<T> {
	const settled = new AbortController();
	const expired = sleepUnlessAborted(lookup.deadlineMs - Date.now(), AbortSignal.any([settled.signal, lookup.signal])).then(async (): Promise<never> => {
		// The shared promise won the race: this one must neither settle nor be left to reject unheard.
		if (settled.signal.aborted) return await new Promise<never>(() => {});
		throw new NodeOperationError(ctx.getNode(), "The Idempotency Key could not be looked up within the item's Timeout", {
			itemIndex: lookup.itemIndex,
			description: 'Nothing was submitted for this item. Raise "Timeout".',
		});
	});
	try {
		return await Promise.race([promise, expired]);
	} finally {
		settled.abort();
	}
}
