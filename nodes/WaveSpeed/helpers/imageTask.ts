import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { buildOutputItem, getTaskJson } from './output';
import { waitForTask } from './polling';
import { assertTaskNotFailed, submitTask } from './task';
import type { ImageTaskRequest } from './types';

/** How an item waits for its task and what it returns, in plain values (milliseconds). */
export interface TaskSettings {
	waitForCompletion: boolean;
	pollIntervalMs: number;
	timeoutMs: number;
	downloadOutput: boolean;
	outputBinaryProperty: string;
	syncMode: boolean;
}

export interface ImageTaskJob {
	endpoint: string;
	request: ImageTaskRequest;
	settings: TaskSettings;
	itemIndex: number;
	estimatedCostUsd: number;
	signal: AbortSignal;
	/** Told the task id as soon as it exists: the task is billed from then on. */
	onSubmitted: (taskId: string) => void;
}

/** Edit and Generate alike: submit once, then return the task at once or wait for it and build the output item. */
export async function runImageTask(ctx: IExecuteFunctions, job: ImageTaskJob): Promise<INodeExecutionData> {
	const { settings, itemIndex, signal } = job;
	const startedAtMs = Date.now();
	const submitted = await submitTask(ctx, job.endpoint, job.request, {
		itemIndex,
		signal,
		syncTimeoutMs: settings.syncMode ? settings.timeoutMs : undefined,
	});
	job.onSubmitted(submitted.id);
	const cost = { estimatedCostUsd: job.estimatedCostUsd };
	if (!settings.waitForCompletion) return { json: { ...getTaskJson(submitted), ...cost } };

	const task = await waitForTask(ctx, submitted, { ...settings, itemIndex, startedAtMs, signal });
	assertTaskNotFailed(ctx, task, itemIndex);
	const item = await buildOutputItem(ctx, task, { ...settings, itemIndex, signal });
	return { ...item, json: { ...item.json, ...cost } };
}
