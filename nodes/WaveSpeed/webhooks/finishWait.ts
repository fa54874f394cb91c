import type { INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { toErrorItem } from '../actions/errorItems';
import { runPool } from '../helpers/concurrency';
import { taskError } from '../helpers/itemErrors';
import { buildOutputItem } from '../helpers/output';
import { assertTaskNotFailed, fetchTask } from '../helpers/task';
import { isTerminal } from '../helpers/taskStatus';
import type { Task } from '../helpers/types';
import type { ApiContext } from '../transport/context';
import type { WaitState, WaitingTask } from './waitState';
import { failedBeforeWaitError } from './waitState';

/** One item's end: its output item, or the error it failed with (and its task, if one was paid for). */
export type ItemOutcome = { item: INodeExecutionData } | { error: Error; taskId?: string };

/**
 * Whether every task of the wait has ended, asked of WaveSpeed (callbacks may be lost or repeated: the result
 * endpoint is the truth). Newest task first, stopping at the first still running: while a batch runs, a callback
 * costs one or two reads, and only the last one reads them all.
 */
export async function readEndedTasks(ctx: ApiContext, state: WaitState): Promise<Map<string, Task> | undefined> {
	const ended = new Map<string, Task>();
	for (const waiting of [...state.waiting].reverse()) {
		// The wait may have outlived the item's deadline: its Timeout bounds this read from when it starts.
		const task = await fetchTask(ctx, waiting.taskId, waiting.itemIndex, undefined, Date.now() + waiting.timeoutMs);
		if (!isTerminal(task.status)) return undefined;
		ended.set(waiting.taskId, task);
	}
	return ended;
}

/**
 * Each item's outcome, in input order, exactly as poll mode builds it: outputs downloaded (Max Concurrency at once)
 * and checked, the cost added; failed tasks and items that failed before the wait are errors that name the task.
 */
export async function buildOutcomes(ctx: ApiContext, state: WaitState, tasks: Map<string, Task>): Promise<ItemOutcome[]> {
	const outcomes = outcomesBeforeWait(ctx, state);
	await runPool(state.waiting.length, state.maxConcurrency, async (index) => {
		const waiting = state.waiting[index];
		outcomes[waiting.itemIndex] = await finishItem(ctx, waiting, tasks.get(waiting.taskId)).then(
			(item) => ({ item }),
			(error: Error) => ({ error, taskId: waiting.taskId }),
		);
	});
	return outcomes;
}

/**
 * What the items that did not wait became (failed before the wait, or passed on with Wait for Completion off), at
 * their input positions. Shared by the resumed node and a timed-out wait, so both output every item.
 */
export function outcomesBeforeWait(ctx: ApiContext, state: WaitState): ItemOutcome[] {
	const outcomes: ItemOutcome[] = [];
	for (const failed of state.failed) {
		outcomes[failed.itemIndex] = { error: failedBeforeWaitError(ctx.getNode(), failed), taskId: failed.taskId };
	}
	for (const { itemIndex, json } of state.passed ?? []) outcomes[itemIndex] = { item: { json } };
	return outcomes;
}

async function finishItem(ctx: ApiContext, waiting: WaitingTask, task: Task | undefined): Promise<INodeExecutionData> {
	const { itemIndex, taskId } = waiting;
	if (!task || !isTerminal(task.status)) {
		throw taskError(ctx.getNode(), itemIndex, taskId, `Task ${taskId} has not ended`, 'Collect its result with "Get Result" and this task ID.');
	}
	assertTaskNotFailed(ctx, task, itemIndex);
	// Not the item's deadline: the wait may have outlived it (other items waited longer). Its Timeout bounds the
	// downloads from when they start.
	const { downloadOutput, outputBinaryProperty, media, timeoutMs } = waiting;
	const item = await buildOutputItem(ctx, task, { itemIndex, downloadOutput, outputBinaryProperty, media, deadlineMs: Date.now() + timeoutMs });
	return { ...item, json: { ...item.json, ...waiting.cost } };
}

/**
 * The node's output: all items in input order on the first output. n8n re-links each to the input item at its
 * position, then (with "Continue (using error output)") moves those carrying `error` to the error output.
 */
export function outcomesToItems(ctx: ApiContext, outcomes: ItemOutcome[], itemCount: number): INodeExecutionData[] {
	// Every position up to itemCount, so a missing outcome shows as an error at its place, never as a hole that shifts
	// the pairing of the items after it.
	return Array.from({ length: Math.max(itemCount, outcomes.length) }, (_, itemIndex): INodeExecutionData => {
		const outcome = outcomes[itemIndex] ?? { error: new NodeOperationError(ctx.getNode(), 'This item has no outcome from the wait', { itemIndex }) };
		return 'item' in outcome ? { ...outcome.item, pairedItem: { item: itemIndex } } : toErrorItem(ctx, outcome.error, itemIndex, outcome.taskId);
	});
}
