import type { INodeExecutionData } from 'n8n-workflow';

import type { ItemOutcome } from '../task/itemOutcome';
import { runPool } from '../transport/concurrency';
import { taskError } from '../transport/itemErrors';
import { buildOutputItem } from '../media/output';
import { assertTaskNotFailed, fetchTask } from '../task/task';
import { isTerminal } from '../models/taskStatus';
import type { Task } from '../transport/types';
import type { ApiContext } from '../transport/context';
import type { OutputShaping, WaitState, WaitingTask } from './waitState';

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
export async function buildOutcomes(ctx: ApiContext, state: WaitState, tasks: Map<string, Task>, shaping: OutputShaping): Promise<ItemOutcome[]> {
	const outcomes = shaping.beforeWait(ctx, state);
	await runPool(state.waiting.length, state.maxConcurrency, async (index) => {
		const waiting = state.waiting[index];
		outcomes[waiting.itemIndex] = await finishItem(ctx, waiting, tasks.get(waiting.taskId)).then(
			(item) => ({ item }),
			(error: Error) => ({ error, taskId: waiting.taskId }),
		);
	});
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
