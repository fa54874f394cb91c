import type { IDataObject } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { ApiContext } from '../transport';
import { apiRequest } from '../transport';

/** One task of the account's history, as far as the idempotency check needs it. */
export interface HistoryEntry {
	id: string;
	status?: string;
	/** The model the task ran, where WaveSpeed says (documented: `model`). */
	model?: string;
	/** The run's inputs, where WaveSpeed returns them (undocumented: WaveSpeed's CLI reads `inputs ?? input`). */
	inputs?: IDataObject;
	/** Epoch ms; undefined when WaveSpeed's `created_at` is missing or unreadable. */
	createdAtMs?: number;
}

export interface RecentTasks {
	/** Newest first, as WaveSpeed lists them. */
	entries: HistoryEntry[];
	/** False when the listing stopped at MAX_HISTORY_PAGES: a task of the window may be missing from it. */
	complete: boolean;
}

export const HISTORY_PAGE_SIZE = 100;
/** 5,000 tasks: a bound on what one execution reads before it answers "cannot check" instead of paying blindly. */
export const MAX_HISTORY_PAGES = 50;
/** WaveSpeed keeps 7 days of task history: a longer window could not be checked. */
export const HISTORY_KEPT_HOURS = 168;

/** A history reply the node cannot read: "cannot check", never "no tasks". */
class UnreadableHistory extends Error {}

/**
 * The account's tasks created since `sinceMs` (WaveSpeed's `POST /api/v3/predictions`, its docs' "List predictions":
 * `{page, page_size, created_after}` → `data: {items: [{id, model, status, created_at}], page, total?}`). The time
 * filter is applied here as well, in case WaveSpeed ignores it. A reply in any other shape fails: "cannot check".
 */
export async function listRecentTasks(
	ctx: ApiContext,
	sinceMs: number,
	call: { itemIndex: number; signal?: AbortSignal; deadlineMs: number },
): Promise<RecentTasks> {
	const entries: HistoryEntry[] = [];
	let listed = 0;
	for (let page = 1; page <= MAX_HISTORY_PAGES; page++) {
		const reply = await apiRequest<unknown>(ctx, {
			method: 'POST',
			path: '/api/v3/predictions',
			kind: 'read',
			body: { page, page_size: HISTORY_PAGE_SIZE, created_after: new Date(sinceMs).toISOString() },
			...call,
		});
		const { items, total } = readOrFail(ctx, reply, call.itemIndex);
		// `total` says there are more tasks than the pages held: the reply is not what it seems.
		if (items.length === 0 && total !== undefined && total > listed) {
			throw cannotRead(ctx, `it says ${total} task(s), but page ${page} lists none`, call.itemIndex);
		}
		const inWindow = items.filter((entry) => entry.createdAtMs === undefined || entry.createdAtMs >= sinceMs);
		entries.push(...inWindow);
		listed += items.length;
		// Only an empty page or the total ends it: WaveSpeed may cap page_size below ours, so a short page proves nothing.
		const lastPage = items.length === 0 || (total !== undefined && listed >= total);
		// Newest first: a page that reaches past the window's start ends the listing.
		if (lastPage || inWindow.length < items.length) return { entries, complete: true };
	}
	return { entries, complete: false };
}

function cannotRead(ctx: ApiContext, why: string, itemIndex: number): NodeOperationError {
	return new NodeOperationError(ctx.getNode(), `Idempotency Key not checked: WaveSpeed's task history could not be read: ${why}`, {
		itemIndex,
		description: 'A key submitted before could not be looked up, so nothing was submitted for this item (it might pay twice). Try again later, or change the key to pay for a new task.',
	});
}

function readOrFail(ctx: ApiContext, reply: unknown, itemIndex: number): { items: HistoryEntry[]; total?: number } {
	try {
		return readPage(reply);
	} catch (error) {
		throw cannotRead(ctx, (error as Error).message, itemIndex);
	}
}

/** One page, read strictly: the list is `data.items` (or `data` itself), every entry has an id. */
export function readPage(reply: unknown): { items: HistoryEntry[]; total?: number } {
	const data = (reply ?? {}) as IDataObject;
	const list = Array.isArray(reply) ? reply : Array.isArray(data.items) ? data.items : undefined;
	if (!list) {
		const fields = reply && typeof reply === 'object' ? Object.keys(reply).join(', ') || 'none' : typeof reply;
		throw new UnreadableHistory(`it came in a shape this node does not know (no "items" list; fields: ${fields})`);
	}
	const items = (list as unknown[]).map((raw): HistoryEntry => {
		const entry = (raw ?? {}) as IDataObject;
		if (typeof entry.id !== 'string' || entry.id === '') throw new UnreadableHistory('it lists a task without an id');
		const createdAtMs = typeof entry.created_at === 'string' ? Date.parse(entry.created_at) : Number.NaN;
		const inputs = [entry.inputs, entry.input].find((value) => value !== null && typeof value === 'object' && !Array.isArray(value));
		return {
			id: entry.id,
			status: typeof entry.status === 'string' ? entry.status : undefined,
			model: typeof entry.model === 'string' && entry.model ? entry.model : typeof entry.model_id === 'string' && entry.model_id ? entry.model_id : undefined,
			inputs: inputs as IDataObject | undefined,
			createdAtMs: Number.isFinite(createdAtMs) ? createdAtMs : undefined,
		};
	});
	const total = typeof data.total === 'number' && Number.isFinite(data.total) ? data.total : undefined;
	return { items, total };
}
