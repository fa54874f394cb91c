import type { DeduplicationHelperFunctions, ICheckProcessedOptions, IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { sleepUnlessAborted } from '../transport/sleep';

/**
 * Links "key → task" in n8n's deduplication store, the one behind the Remove Duplicates node: written to n8n's
 * database at once, shared by every main and worker process, the same row for a Retry (keyed by workflow and node id).
 * What the store is: MD5 hashes only (no payload), no read without a write (a check records what it did not know),
 * whole-row writes without a lock. See ARCHITECTURE.md, "Idempotency Key".
 *
 * How a link is told from a lookup's leftover. The submitter writes the link value L(key, task) alone. A lookup asks
 * about a candidate task by recording L together with its probe mark P(key, task), in one call, L first; then removes
 * what it added. So every trace a lookup can leave has L *and* P (one write adds both, one removal takes both, a stale
 * whole-row write of another process puts back both or neither, and the store's cap drops the older L first), while a
 * real link has L without P. Reading "L was known, P was not" is a link; "both known" is `tainted`: a leftover, or a
 * real link that a failed removal left P beside. A tainted link is only taken with proof from WaveSpeed
 * (reuse/requestMatch.ts, strict); it never becomes a clean one.
 */
const SCOPE = 'node';
const MAX_ENTRIES = 100_000;
const STORE_OPTIONS: ICheckProcessedOptions = { mode: 'entries', maxEntries: MAX_ENTRIES };
/** Candidate tasks checked per store call (two values each). */
const PROBE_CHUNK = 250;

const claimedValue = (key: string) => JSON.stringify(['wavespeed-key', key]);
const linkValue = (key: string, taskId: string) => JSON.stringify(['wavespeed-link', key, taskId]);
const probeValue = (key: string, taskId: string) => JSON.stringify(['wavespeed-probe', key, taskId]);
const deliveredValue = (key: string, taskId: string) => JSON.stringify(['wavespeed-delivered', key, taskId]);
const payerValue = (key: string, taskId: string, position: number, symbol: string) => JSON.stringify(['wavespeed-payer', key, taskId, position, symbol]);

/** `linked`: written by a submitter. `tainted`: a link or a leftover, cannot tell. `none`: not this key's. */
export type LinkReading = 'linked' | 'tainted' | 'none';

/**
 * n8n's store reads the node's row, awaits the database, then writes the row back whole: two calls at once lose one's
 * entries, and two first calls both insert the row (one fails on its unique key). So this process makes one call at a
 * time per workflow and node (the items of a batch, and executions sharing a main process or worker).
 */
const storeQueues = new Map<string, Promise<void>>();

function getRowKey(ctx: IExecuteFunctions): string {
	return `${ctx.getWorkflow().id ?? ''}|${ctx.getNode().id}`;
}

async function inStoreQueue<T>(ctx: IExecuteFunctions, use: () => Promise<T>): Promise<T> {
	const row = getRowKey(ctx);
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
 * inserted the node's row between our read and our insert; the second call then updates it. A first call whose write
 * landed but whose reply was lost makes the second answer "known" for what it added: for a probe that reads as
 * `tainted`, never as `linked`.
 */
async function useStore<T>(ctx: IExecuteFunctions, call: () => Promise<T>): Promise<T> {
	return await inStoreQueue(ctx, async () => await call().catch(async () => await call()));
}

/**
 * Values recorded by the items of a batch while another store call runs go out together in the next call: a batch of
 * 1,000 items makes a few store calls, not thousands (each reads and writes the node's whole row).
 */
interface PendingRecord {
	values: string[];
	done: Promise<Set<string>>;
}
const pendingRecords = new Map<string, PendingRecord>();

/** Records the values; resolves to those the store knew before. Coalesced per row (see PendingRecord). */
async function recordCoalesced(ctx: IExecuteFunctions, values: string[], itemIndex: number): Promise<Set<string>> {
	const store = getStore(ctx, itemIndex);
	const row = getRowKey(ctx);
	let pending = pendingRecords.get(row);
	if (!pending) {
		const batch: string[] = [];
		const done = useStore(ctx, async () => {
			// From here on, new values wait for the next call.
			pendingRecords.delete(row);
			const answer = await store.checkProcessedAndRecord([...new Set(batch)], SCOPE, STORE_OPTIONS);
			return new Set(answer.processed.map(String));
		});
		pending = { values: batch, done };
		pendingRecords.set(row, pending);
	}
	pending.values.push(...values);
	return await pending.done;
}

/** True the first time this node is given the key: nothing was ever submitted under it, no history to read. */
export async function claimKey(ctx: IExecuteFunctions, key: string, itemIndex: number): Promise<boolean> {
	const known = await recordCoalesced(ctx, [claimedValue(key)], itemIndex).catch((error: Error) => {
		throw storeFailed(ctx, itemIndex, error);
	});
	return !known.has(claimedValue(key));
}

/**
 * The store's only question, "which of these does it know?", asked without leaving an answer behind: the values are
 * recorded (with room above the cap, so they never push out the oldest entries) and the ones it did not know are removed
 * again at once. A removal that fails throws; what it leaves is read by each caller's encoding as a doubt, never as a
 * fact (linked, delivered, a payer).
 */
async function askStore(ctx: IExecuteFunctions, values: string[], itemIndex: number): Promise<Set<string>> {
	const store = getStore(ctx, itemIndex);
	const asking = { ...STORE_OPTIONS, maxEntries: MAX_ENTRIES + values.length };
	const answer = await callStore(ctx, itemIndex, async () => await store.checkProcessedAndRecord(values, SCOPE, asking));
	if (answer.new.length > 0) await callStore(ctx, itemIndex, async () => await store.removeProcessed(answer.new, SCOPE, STORE_OPTIONS));
	return new Set(answer.processed.map(String));
}

/**
 * What the store says of each candidate task for the key. The probes are removed again at once; a removal that
 * fails throws (nothing is submitted), and what it left reads as `tainted` later, never as `linked`.
 */
export async function readLinks(ctx: IExecuteFunctions, key: string, taskIds: string[], itemIndex: number): Promise<Map<string, LinkReading>> {
	const readings = new Map<string, LinkReading>();
	for (let start = 0; start < taskIds.length; start += PROBE_CHUNK) {
		const chunk = taskIds.slice(start, start + PROBE_CHUNK);
		// Link before probe mark: were the store's cap to cut between them, it drops the link value, not the mark.
		const known = await askStore(ctx, chunk.flatMap((taskId) => [linkValue(key, taskId), probeValue(key, taskId)]), itemIndex);
		for (const taskId of chunk) {
			readings.set(taskId, !known.has(linkValue(key, taskId)) ? 'none' : known.has(probeValue(key, taskId)) ? 'tainted' : 'linked');
		}
	}
	return readings;
}

/**
 * Links the key to its new task (and, for a recovered result's label, the execution that paid). The task is paid for
 * already: a store failure is logged, never thrown (the item keeps its result). Another process (a worker) writing
 * the row at the same moment can overwrite our entries (see inStoreQueue): they are written a second time, which
 * re-adds whatever was lost.
 */
export async function recordLink(ctx: IExecuteFunctions, key: string, taskId: string, itemIndex: number, payerExecutionId?: string): Promise<void> {
	const values = [linkValue(key, taskId), claimedValue(key), ...payerValues(key, taskId, payerExecutionId)];
	try {
		await recordCoalesced(ctx, values, itemIndex);
		await recordCoalesced(ctx, values, itemIndex);
	} catch (error) {
		ctx.logger.warn(
			`WaveSpeed task ${taskId} (item ${itemIndex}) was submitted, but ${describeKey(key)} could not be recorded: ${(error as Error).message}. A later run with this key will pay for a new task.`,
			{ itemIndex, taskId },
		);
	}
}

/** Rounds of confirmLinks; each waits 100 to 400 ms (jittered) after a round that found an entry lost. */
const CONFIRM_ROUNDS = 5;

/**
 * At the end of a node run, the links of its paid tasks are written again until one write finds them all there: n8n's
 * store reads the node's row and writes it back whole, so another worker writing at the same moment can drop an entry
 * we wrote at submit time (two executions on two workers, each with its own keys). A link that stays lost costs a later
 * run a new task, never a wrong one. Delivered marks (recovery) go in the same writes. Failures are logged, not thrown.
 */
export async function confirmLinks(
	ctx: IExecuteFunctions,
	links: Array<{ key: string; taskId: string; itemIndex: number; delivered: boolean }>,
	signal?: AbortSignal,
): Promise<void> {
	if (links.length === 0) return;
	const values = links.flatMap(({ key, taskId, delivered }) => [linkValue(key, taskId), claimedValue(key), ...(delivered ? [deliveredValue(key, taskId)] : [])]);
	try {
		for (let round = 1; round <= CONFIRM_ROUNDS; round++) {
			const known = await recordCoalesced(ctx, values, links[0].itemIndex);
			if (values.every((value) => known.has(value)) || round === CONFIRM_ROUNDS) return;
			await sleepUnlessAborted(100 + Math.round(Math.random() * 300), signal);
		}
	} catch (error) {
		ctx.logger.warn(
			`WaveSpeed: the keys of ${links.length} paid task(s) could not be confirmed in n8n's deduplication store: ${(error as Error).message}. A later run of the same key or request may pay for a new task.`,
		);
	}
}

/**
 * Whether the task's result reached the workflow (confirmLinks marks it). Asked by recording the mark and removing it again
 * when it was new: a mark a failed removal leaves reads as "delivered", and the item pays anew (never a wrong reuse).
 */
export async function wasDelivered(ctx: IExecuteFunctions, key: string, taskId: string, itemIndex: number): Promise<boolean> {
	const value = deliveredValue(key, taskId);
	return (await askStore(ctx, [value], itemIndex)).has(value);
}

/** Execution ids n8n gives (digits) are written a digit a value; another form is not kept. */
const MAX_PAYER_DIGITS = 15;
const PAYER_SYMBOLS = [...'0123456789', 'end'];

function payerValues(key: string, taskId: string, executionId: string | undefined): string[] {
	if (!executionId || !/^\d+$/.test(executionId) || executionId.length > MAX_PAYER_DIGITS) return [];
	return [...executionId, 'end'].map((symbol, position) => payerValue(key, taskId, position, symbol));
}

/**
 * The execution that paid for the task (recordLink), read a digit at a time: each position is asked for every symbol
 * at once, and the ones the store did not know are removed again. Exactly one known symbol per position spells the
 * id; anything else (a leftover, nothing recorded) gives undefined. A label only: never used to decide a reuse.
 */
export async function readPayer(ctx: IExecuteFunctions, key: string, taskId: string, itemIndex: number): Promise<string | undefined> {
	const values = Array.from({ length: MAX_PAYER_DIGITS + 1 }, (_, position) => PAYER_SYMBOLS.map((symbol) => payerValue(key, taskId, position, symbol))).flat();
	const known = await askStore(ctx, values, itemIndex);
	let digits = '';
	for (let position = 0; position <= MAX_PAYER_DIGITS; position++) {
		const symbols = PAYER_SYMBOLS.filter((symbol) => known.has(payerValue(key, taskId, position, symbol)));
		if (symbols.length !== 1) return undefined;
		if (symbols[0] === 'end') return digits || undefined;
		digits += symbols[0];
	}
	return undefined;
}

/** How a key is named in n8n's log: the user's Idempotency Key, or the request's recovery key (reuse/recoveryKey.ts). */
function describeKey(key: string): string {
	return key.startsWith('recover:') ? 'its request (for recovery after a crash)' : `its Idempotency Key "${key}"`;
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
		throw storeFailed(ctx, itemIndex, error as Error);
	}
}

function storeFailed(ctx: IExecuteFunctions, itemIndex: number, error: Error): NodeOperationError {
	if (error instanceof NodeOperationError) return error;
	const failure = new NodeOperationError(ctx.getNode(), `Idempotency Key: n8n's deduplication store failed: ${error.message}`, {
		itemIndex,
		description: 'Nothing was submitted for this item. The store belongs to a saved workflow: save a new workflow before running it with a key.',
	});
	failure.context.storeFailure = true;
	return failure;
}

/** The store itself failed (not the history or WaveSpeed): its other calls of this run are likely to fail too. */
export function isStoreFailure(error: unknown): boolean {
	return (error as { context?: { storeFailure?: unknown } } | undefined)?.context?.storeFailure === true;
}
