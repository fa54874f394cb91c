import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { describeImageRequest, estimateImageTaskCost, runImageTask } from './imageTask';
import { getTaskSharing } from '../task/taskRun';
import { DEFAULT_GENERATE_ASPECT_RATIO, GENERATE_IMAGE_ENDPOINT } from '../models/model';
import { aspectRatioProperty, promptProperty } from './descriptions';
import type { ImageChoices, WaitSettings } from './parameters';
import { readImageChoices, readPrompt, readWaitSettings } from './parameters';
import type { DescribedRequest, EstimateCall, PrepareContext, RunContext } from './operation';

export const description: INodeProperties[] = [
	promptProperty(
		'generateImage',
		'e.g. A bottle of olive oil on a rustic wooden table, morning light, product photo',
		'What the image should show, in plain words',
	),
	aspectRatioProperty('generateImage', DEFAULT_GENERATE_ASPECT_RATIO, false),
];

export const holdsTaskSlots = true;

export interface Job {
	itemIndex: number;
	prompt: string;
	choices: ImageChoices;
	settings: WaitSettings;
}

export async function prepare(this: IExecuteFunctions, itemIndex: number, context: PrepareContext): Promise<Job> {
	return {
		itemIndex,
		prompt: readPrompt(this, itemIndex),
		choices: readImageChoices(this, itemIndex, DEFAULT_GENERATE_ASPECT_RATIO),
		settings: readWaitSettings(this, itemIndex, context.isToolCall),
	};
}

/** For the money guards, before anything is sent: WaveSpeed's quote, else the price table (labelled so). */
export async function estimateCost(this: IExecuteFunctions, job: Job, call: EstimateCall): Promise<IDataObject> {
	const deadlineMs = Math.min(call.deadlineMs, Date.now() + job.settings.timeoutMs);
	return await estimateImageTaskCost(this, { endpoint: GENERATE_IMAGE_ENDPOINT, prompt: job.prompt, ...job.choices, itemIndex: job.itemIndex, deadlineMs });
}

/** For the Idempotency Key's check. */
export function describeRequest(job: Job): DescribedRequest {
	return { request: describeImageRequest(GENERATE_IMAGE_ENDPOINT, { prompt: job.prompt, ...job.choices }), binaries: [] };
}

export async function execute(this: IExecuteFunctions, job: Job, run: RunContext): Promise<INodeExecutionData> {
	// Timeout bounds the whole item from its start, key lookup included.
	const deadlineMs = run.startedAtMs + job.settings.timeoutMs;
	return await runImageTask(this, {
		endpoint: GENERATE_IMAGE_ENDPOINT,
		prompt: job.prompt,
		...job.choices,
		settings: job.settings,
		itemIndex: job.itemIndex,
		deadlineMs,
		...getTaskSharing(run),
	});
}
