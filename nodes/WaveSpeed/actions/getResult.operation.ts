import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { parameterError } from '../helpers/itemErrors';
import { buildOutputItem } from '../helpers/output';
import { waitForTask } from '../helpers/polling';
import { assertTaskNotFailed, fetchTask } from '../helpers/task';
import type { PrepareContext } from './operation';
import type { WaitSettings } from './parameters';
import { readText, readWaitSettings } from './parameters';
import type { RunContext } from './runContext';

const properties: INodeProperties[] = [
	{
		displayName: 'Task ID',
		name: 'taskId',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. 0f3c9a1b2d4e4f6a8b0c1d2e3f4a5b6c',
		description: 'The ID of a WaveSpeed task, as output by Edit Image (for example with "Wait for Completion" off)',
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
	let task = await fetchTask(this, taskId, itemIndex, run.signal);
	run.onSubmitted(taskId);
	if (settings.waitForCompletion) {
		task = await waitForTask(this, task, { ...settings, itemIndex, startedAtMs, signal: run.signal });
	}
	assertTaskNotFailed(this, task, itemIndex);
	return await buildOutputItem(this, task, { ...settings, itemIndex, signal: run.signal });
}
