/**
 * The local server's task history, `POST /api/v3/predictions` (WaveSpeed's SDK and desktop app): `{page, page_size,
 * created_after}` → `data: {items, page, total}`, newest first. Each item is the task as the result route shows it,
 * with the request it was submitted with as `input` (unless `withoutInputs`).
 * `maxPageSize` caps page_size as a real gateway may. Only erasable TypeScript (Node 24 runs it as is).
 */
import type { ServerResponse } from 'node:http';

import { sendEnvelope as send } from './faults.ts';

interface HistoryTask {
	id: string;
	createdAtMs: number;
}

export interface HistorySwitches {
	/** The largest page the server hands out, whatever page_size asks. */
	maxPageSize: number;
	/** Lists the whole history, as a server that does not know the `created_after` filter would. */
	ignoresCreatedAfter?: boolean;
	/** Leaves out each task's `input` (WaveSpeed's CLI reads `inputs ?? input`; its docs do not list it). */
	withoutInputs?: boolean;
}

export function answerHistory<T extends HistoryTask>(
	res: ServerResponse,
	body: Record<string, unknown> | undefined,
	tasks: Iterable<T>,
	describe: (task: T) => Record<string, unknown>,
	switches: HistorySwitches,
): void {
	const page = Math.max(1, Number(body?.page ?? 1) || 1);
	const pageSize = Math.min(switches.maxPageSize, Math.max(1, Number(body?.page_size ?? 20) || 20));
	const after = typeof body?.created_after === 'string' ? Date.parse(body.created_after) : Number.NaN;
	if (body?.created_after !== undefined && !Number.isFinite(after)) return send(res, 400, null, 'created_after must be an ISO date');
	const matching = [...tasks]
		.filter((task) => switches.ignoresCreatedAfter || !Number.isFinite(after) || task.createdAtMs >= after)
		.sort((a, b) => b.createdAtMs - a.createdAtMs);
	const items = matching.slice((page - 1) * pageSize, page * pageSize).map(describe);
	send(res, 200, { items, page, total: matching.length });
}
