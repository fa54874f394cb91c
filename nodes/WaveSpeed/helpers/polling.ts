import type { IExecuteFunctions } from 'n8n-workflow';

import { sleepUnlessAborted } from '../transport/sleep';
import { taskError, withTaskId } from './itemErrors';
import { fetchTask } from './task';
import { isTerminal } from './taskStatus';
import type { Task } from './types';

/** Long tasks are polled less often, up to this; WaveSpeed asks image clients for 2 s or slower. */
export const MAX_GROWN_POLL_INTERVAL_MS = 10_000;
/** The interval grows by one base interval per minute of waiting. */
const GROWTH_PERIOD_MS = 60_000;

export interface WaitOptions {
	itemIndex: number;
	pollIntervalMs: number;
	/** Bounds the whole wait of the item, counted from `startedAtMs`. */
	timeoutMs: number;
	startedAtMs: number;
	signal?: AbortSignal;
}

export function getPollIntervalMs(baseMs: number, elapsedMs: number): number {
	const grownMs = baseMs * (1 + Math.max(0, elapsedMs) / GROWTH_PERIOD_MS);
	return Math.round(Math.min(Math.max(baseMs, MAX_GROWN_POLL_INTERVAL_MS), grownMs));
}

/**
 * Polls until the task is terminal, the wait limit is reached or the execution is stopped. Returns as soon as a
 * poll sees the end (no sleep after it). Errors name the task id so Get Result can pick it up later.
 */
export async function waitForTask(ctx: IExecuteFunctions, task: Task, options: WaitOptions): Promise<Task> {
	const { itemIndex, signal } = options;
	const deadlineMs = options.startedAtMs + options.timeoutMs;
	let current = task;

	const timedOut = () =>
		taskError(
			ctx.getNode(),
			itemIndex,
			current.id,
			`WaveSpeed task ${current.id} did not finish within ${Math.round(options.timeoutMs / 1000)} s (last status "${current.status}")`,
			`The task may still finish. Use the "Get Result" operation with task ID ${current.id} to collect it, or raise the "Timeout" option.`,
		);

	while (!isTerminal(current.status)) {
		const remainingMs = deadlineMs - Date.now();
		if (remainingMs <= 0) throw timedOut();
		const intervalMs = getPollIntervalMs(options.pollIntervalMs, Date.now() - options.startedAtMs);
		await sleepUnlessAborted(Math.min(intervalMs, remainingMs), signal);
		if (signal?.aborted) {
			throw taskError(
				ctx.getNode(),
				itemIndex,
				current.id,
				`Stopped while waiting for WaveSpeed task ${current.id}`,
				`The task may still finish. Use the "Get Result" operation with task ID ${current.id} to collect it.`,
			);
		}
		const taskId = current.id;
		try {
			current = await fetchTask(ctx, taskId, itemIndex, signal, deadlineMs);
		} catch (error) {
			// Retries that ran into the limit: the task may still finish, as with any time-out.
			if (Date.now() >= deadlineMs - 50 && !signal?.aborted) throw timedOut();
			throw withTaskId(error, taskId);
		}
	}
	return current;
}
