import type { IDataObject } from 'n8n-workflow';
import type { ApiContext } from '../transport/context';
import { NodeOperationError } from 'n8n-workflow';

import { NO_DEADLINE, apiRequest, getHttpStatus } from '../transport';
import { prefixMessage, taskError } from '../transport/itemErrors';
import { withReadOutputs } from '../media/outputData';
import { describeFailure, isFailed } from '../models/taskStatus';
import { BALANCE_ENDPOINT } from '../models/model';
import type { Balance, Task } from '../transport/types';

/**
 * A sync-mode submit is held open by WaveSpeed until the task ends or its own wait (length undocumented) runs out.
 * Giving up on the reply first would lose the id of a billed task, so the client waits at least this long, whatever
 * the item's Timeout: the Timeout bounds what comes after the reply (polling, downloads), not the held reply itself.
 */
const MIN_SYNC_REPLY_WAIT_MS = 600_000;
const SYNC_REPLY_MARGIN_MS = 30_000;

export interface SubmitOptions {
	itemIndex: number;
	signal?: AbortSignal;
	/** Sync mode: WaveSpeed holds the reply until the task ends (or its own wait runs out). */
	syncTimeoutMs?: number;
	/** No retry waits past this time (epoch ms). A held sync-mode reply is still awaited in full (see above). */
	deadlineMs: number;
	/** False: a 429 is reported at once (the caller waits for a task slot instead of backing off blindly). */
	retryRateLimit?: boolean;
	/** WaveSpeed POSTs the finished task here (signed): a resumed wait, or a WaveSpeed Trigger's URL. */
	webhookUrl?: string;
}

/**
 * Submits one billed task. Retried only where WaveSpeed cannot have created it (see transport/retry), so a task
 * is never paid for twice.
 */
export async function submitTask(
	ctx: ApiContext,
	endpoint: string,
	request: IDataObject,
	options: SubmitOptions,
): Promise<Task> {
	if (options.signal?.aborted) {
		throw new NodeOperationError(ctx.getNode(), 'The execution was stopped before this task was submitted', {
			itemIndex: options.itemIndex,
		});
	}
	const sync = options.syncTimeoutMs !== undefined;
	const submitted = await apiRequest<Task>(ctx, {
		method: 'POST',
		path: endpoint,
		kind: 'submit',
		itemIndex: options.itemIndex,
		signal: options.signal,
		body: { ...request, ...(sync ? { enable_sync_mode: true } : {}) },
		qs: options.webhookUrl ? { webhook: options.webhookUrl } : undefined,
		deadlineMs: options.deadlineMs,
		awaitReplyInFull: sync,
		retryRateLimit: options.retryRateLimit,
		timeoutMs: sync ? Math.max(options.syncTimeoutMs!, MIN_SYNC_REPLY_WAIT_MS) + SYNC_REPLY_MARGIN_MS : undefined,
	});
	return withReadOutputs(submitted);
}

/** Reads a task once (retrying what may be retried), never past `deadlineMs`: the item's deadline, or NO_DEADLINE. */
export async function fetchTask(
	ctx: ApiContext,
	taskId: string,
	itemIndex: number,
	signal: AbortSignal | undefined,
	deadlineMs: number,
): Promise<Task> {
	try {
		const task = await apiRequest<Task>(ctx, {
			method: 'GET',
			path: `/api/v3/predictions/${encodeURIComponent(taskId)}/result`,
			kind: 'read',
			itemIndex,
			signal,
			deadlineMs,
		});
		return withReadOutputs(task);
	} catch (error) {
		if (getHttpStatus(error) === 404) {
			throw taskError(
				ctx.getNode(),
				itemIndex,
				taskId,
				`WaveSpeed does not know task ID "${taskId}" [item ${itemIndex}, parameter "Task ID"]`,
				'Check the ID: it is the "id" field of an Edit Image output.',
			);
		}
		throw prefixMessage(error, `Task ${taskId}`);
	}
}

/** A task that ended failed, cancelled, timeout or deleted is an error for its item, quoting WaveSpeed's reason. */
export function assertTaskNotFailed(ctx: ApiContext, task: Task, itemIndex: number): void {
	if (isFailed(task.status)) throw taskError(ctx.getNode(), itemIndex, task.id, describeFailure(task));
}

/** Get Balance has no Timeout: each attempt has its own limit and the retries are few. */
export async function fetchBalance(ctx: ApiContext, itemIndex: number, signal?: AbortSignal): Promise<Balance> {
	return await apiRequest<Balance>(ctx, { method: 'GET', path: BALANCE_ENDPOINT, kind: 'read', itemIndex, signal, deadlineMs: NO_DEADLINE });
}
