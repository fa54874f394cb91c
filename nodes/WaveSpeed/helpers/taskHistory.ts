import type { IDataObject } from 'n8n-workflow';

import type { ApiContext } from '../transport';
import { apiRequest } from '../transport';

/** One task of the account's history, as far as the idempotency check needs it. */
export interface HistoryEntry {
	id: string;
	status?: string;
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

/**
 * The account's tasks created since `sinceMs` (WaveSpeed's `POST /api/v3/predictions`, known from its SDK and
 * desktop app: `{page, page_size, created_after}` → `data: {items: [{id, status, created_at}], page, total}`). The
 * reply's shape is read leniently and the time filter is applied here as well, in case WaveSpeed ignores it.
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
		const { items, total } = readPage(reply);
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

function readPage(reply: unknown): { items: HistoryEntry[]; total?: number } {
	const data = (reply ?? {}) as IDataObject;
	const list = Array.isArray(reply) ? reply : Array.isArray(data.items) ? data.items : [];
	const items = (list as unknown[]).flatMap((raw): HistoryEntry[] => {
		const entry = (raw ?? {}) as IDataObject;
		if (typeof entry.id !== 'string' || entry.id === '') return [];
		const createdAtMs = typeof entry.created_at === 'string' ? Date.parse(entry.created_at) : Number.NaN;
		return [{ id: entry.id, status: typeof entry.status === 'string' ? entry.status : undefined, createdAtMs: Number.isFinite(createdAtMs) ? createdAtMs : undefined }];
	});
	const total = typeof data.total === 'number' && Number.isFinite(data.total) ? data.total : undefined;
	return { items, total };
}
