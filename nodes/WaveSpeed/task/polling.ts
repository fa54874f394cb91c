import type { IExecuteFunctions } from 'n8n-workflow';

import { sleepUnlessAborted } from '../transport/sleep';
import { taskError, withTaskId } from '../transport/itemErrors';
import { fetchTask } from './task';
import type { DurationModel, PollBudget } from './pollSchedule';
import { MIN_POLL_SPACING_MS, getNextPollDelayMs } from './pollSchedule';
import { COMPLETED_STATUS, isTerminal } from '../models/taskStatus';
import type { Task } from '../transport/types';

export interface WaitOptions {
	itemIndex: number;
	pollIntervalMs: number;
	/** The item's Timeout, for the message when the deadline is reached. */
	timeoutMs: number;
	/** When the task was submitted: the schedule counts from here. */
	startedAtMs: number;
	/** The item's deadline (epoch ms): no poll, and no wait before one, goes past it. */
	deadlineMs: number;
	signal?: AbortSignal;
	/** What this execution learnt of tasks of the same kind (model, resolution, quality), and where to add this one. */
	learning?: { model: DurationModel; kind: string };
	/** Where in the interval this task's first poll falls (see ScheduleInput.phase). */
	phase?: number;
	/** The polls the execution may make, shared by its tasks (a wide batch polls each task less often). */
	budget?: PollBudget;
}

/** How long before the item's deadline the last look at its task is taken, when the schedule's next poll is later. */
export const LAST_LOOK_BEFORE_DEADLINE_MS = 1000;

/**
 * The sleep before the next poll: the schedule's, or, once, a shorter one when the schedule's poll would come after
 * the deadline (a long interval, or a wide batch's budget): a task that ended meanwhile is still delivered instead of
 * timing out paid for. Never closer than MIN_POLL_SPACING_MS to the last poll (the delay already keeps that).
 */
function sleepBeforeNextPoll(delayMs: number, remainingMs: number, lastLookTaken: boolean): number {
	if (delayMs < remainingMs || lastLookTaken) return Math.min(delayMs, remainingMs);
	const lookInMs = remainingMs - LAST_LOOK_BEFORE_DEADLINE_MS;
	return lookInMs >= MIN_POLL_SPACING_MS ? lookInMs : remainingMs;
}

/**
 * Polls until the task is terminal, the wait limit is reached or the execution is stopped. Returns as soon as a
 * poll sees the end (no sleep after it). Errors name the task id so Get Result can pick it up later.
 */
export async function waitForTask(ctx: IExecuteFunctions, task: Task, options: WaitOptions): Promise<Task> {
	// Counted while it is polled: the more tasks the execution polls, the further apart each one's polls.
	const share = options.budget?.enter(options.learning?.kind);
	try {
		return await pollUntilTerminal(ctx, task, options, () => share?.minIntervalMs() ?? 0);
	} finally {
		share?.leave();
	}
}

async function pollUntilTerminal(ctx: IExecuteFunctions, task: Task, options: WaitOptions, minIntervalMs: () => number): Promise<Task> {
	const { itemIndex, signal } = options;
	const { deadlineMs } = options;
	let current = task;

	const timedOut = () =>
		taskError(
			ctx.getNode(),
			itemIndex,
			current.id,
			`WaveSpeed task ${current.id} did not finish within ${Math.round(options.timeoutMs / 1000)} s (last status "${current.status}")`,
			`The task may still finish. Use the "Get Result" operation with task ID ${current.id} to collect it, or raise the "Timeout" option.`,
		);

	const elapsedMs = () => Date.now() - options.startedAtMs;
	const { learning } = options;
	let lastRunningMs = elapsedMs();
	let lastPollMs: number | undefined;
	let lastLookTaken = false;
	while (!isTerminal(current.status)) {
		const remainingMs = deadlineMs - Date.now();
		if (remainingMs <= 0) throw timedOut();
		const expectedDoneMs = learning?.model.expectedDoneMs(learning.kind);
		const delayMs = getNextPollDelayMs({
			elapsedMs: elapsedMs(),
			baseIntervalMs: options.pollIntervalMs,
			expectedDoneMs,
			lastPollMs,
			phase: options.phase,
			minIntervalMs: minIntervalMs(),
		});
		// While nothing is learnt, the first task of the kind to end wakes the others (the schedule is then known).
		const learnt = learning && expectedDoneMs === undefined ? learning.model.learntSignal(learning.kind) : undefined;
		const sleepMs = sleepBeforeNextPoll(delayMs, remainingMs, lastLookTaken);
		const isLastLook = sleepMs < delayMs && sleepMs < remainingMs;
		const wakeAtMs = Date.now() + sleepMs;
		await sleepUnlessAborted(sleepMs, learnt && signal ? AbortSignal.any([signal, learnt]) : (learnt ?? signal));
		if (signal?.aborted) {
			throw taskError(
				ctx.getNode(),
				itemIndex,
				current.id,
				`Stopped while waiting for WaveSpeed task ${current.id}`,
				`The task may still finish. Use the "Get Result" operation with task ID ${current.id} to collect it.`,
			);
		}
		if (learnt?.aborted && Date.now() < wakeAtMs) continue;
		if (isLastLook) lastLookTaken = true;
		// Woken at the deadline: a poll now would have no time left for its reply (and could outlive the item).
		if (Date.now() >= deadlineMs) throw timedOut();
		const taskId = current.id;
		try {
			const polledAtMs = elapsedMs();
			lastPollMs = polledAtMs;
			current = await fetchTask(ctx, taskId, itemIndex, signal, deadlineMs);
			// WaveSpeed answered "running" after the poll was sent, so the task ran at least until then; it answered "done"
			// before the reply was read, so it ended by then. The poll's own send time is no bound for the end: on a busy
			// event loop the request leaves late, and the end learnt too early makes every later task's first look miss.
			if (!isTerminal(current.status)) lastRunningMs = polledAtMs;
			else if (learning && current.status === COMPLETED_STATUS) {
				learning.model.record(learning.kind, { reportedMs: current.timings?.inference, lastRunningMs, firstDoneMs: elapsedMs() });
			}
		} catch (error) {
			// Retries that ran into the limit: the task may still finish, as with any time-out.
			if (Date.now() >= deadlineMs - 50 && !signal?.aborted) throw timedOut();
			throw withTaskId(error, taskId);
		}
	}
	return current;
}
