import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { parameterError } from '../transport/itemErrors';
import { isGptImage2Model } from '../models/model';
import { buildOutputItem } from '../media/output';
import { waitForTask } from '../task/polling';
import { pollPhase } from '../task/pollSchedule';
import { assertTaskNotFailed, fetchTask } from '../task/task';
import type { WaitSettings } from './parameters';
import { readText, readWaitSettings } from './parameters';
import type { PrepareContext, RunContext } from './operation';

const properties: INodeProperties[] = [
	{
		displayName: 'Task ID',
		name: 'taskId',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. 0f3c9a1b2d4e4f6a8b0c1d2e3f4a5b6c',
		description: 'The ID of a WaveSpeed task, as output by Edit Image, Generate Image or Run Model (for example with "Wait for Completion" off)',
	},
];

export const description = updateDisplayOptions({ show: { operation: ['getResult'] } }, properties);

export interface Job {
	itemIndex: number;
	taskId: string;
	settings: WaitSettings;
}

export async function prepare(this: IExecuteFunctions, itemIndex: number, context: PrepareContext): Promise<Job> {
	const taskId = readText(this, itemIndex, 'taskId', 'Task ID');
	if (!taskId) throw parameterError(this.getNode(), itemIndex, 'Task ID', 'The task ID is empty');
	return { itemIndex, taskId, settings: readWaitSettings(this, itemIndex, context.isToolCall) };
}

export async function execute(this: IExecuteFunctions, job: Job, run: RunContext): Promise<INodeExecutionData> {
	const { itemIndex, taskId, settings } = job;
	const startedAtMs = Date.now();
	// The Timeout bounds every request of the item, the first read too (a 429 with a long Retry-After included).
	const deadlineMs = startedAtMs + settings.timeoutMs;
	let task = await fetchTask(this, taskId, itemIndex, run.signal, deadlineMs);
	run.onSubmitted(taskId);
	if (settings.waitForCompletion) {
		task = await waitForTask(this, task, { ...settings, itemIndex, startedAtMs, deadlineMs, signal: run.signal, phase: pollPhase(itemIndex), budget: run.pacing.pollBudget });
	}
	assertTaskNotFailed(this, task, itemIndex);
	// A Run Model task may have made a video or audio: any media is taken then.
	const media = isGptImage2Model(task.model) ? 'image' : 'any';
	return await buildOutputItem(this, task, { ...settings, itemIndex, signal: run.signal, deadlineMs, media });
}
