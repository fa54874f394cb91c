import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import type { AspectRatio, Quality, Resolution } from './model';
import { estimateCostUsd } from './model';
import { buildOutputItem, getTaskJson } from './output';
import { waitForTask } from './polling';
import { assertTaskNotFailed, fetchTask, submitTask } from './task';
import { isTerminal } from './taskStatus';
import type { ImageTaskRequest } from './types';

/** How an item waits for its task and what it returns, in plain values (milliseconds). */
export interface TaskSettings {
	waitForCompletion: boolean;
	/** WaveSpeed sends the images themselves instead of URLs. */
	base64Output: boolean;
	pollIntervalMs: number;
	timeoutMs: number;
	downloadOutput: boolean;
	outputBinaryProperty: string;
	syncMode: boolean;
}

export interface ImageTaskJob {
	endpoint: string;
	prompt: string;
	/** Edit only: the reference image URLs, binaries first. */
	images?: string[];
	/** Left out of the request when undefined (Edit Image then takes the first image's ratio). */
	aspectRatio?: AspectRatio;
	resolution: Resolution;
	quality: Quality;
	settings: TaskSettings;
	itemIndex: number;
	signal: AbortSignal;
	/** A task an earlier try of the node already paid for: picked up instead of submitting a new one. */
	existingTaskId?: string;
	/** Told the task id as soon as it exists: the task is billed from then on. */
	onSubmitted: (taskId: string) => void;
}

/**
 * Edit and Generate alike: submit once (or pick up the task an earlier try submitted), then return the task at once
 * or wait for it and build the output item.
 */
export async function runImageTask(ctx: IExecuteFunctions, job: ImageTaskJob): Promise<INodeExecutionData> {
	const { settings, itemIndex, signal } = job;
	const request: ImageTaskRequest = {
		...(job.images ? { images: job.images } : {}),
		prompt: job.prompt,
		...(job.aspectRatio ? { aspect_ratio: job.aspectRatio } : {}),
		resolution: job.resolution,
		quality: job.quality,
		...(settings.base64Output ? { enable_base64_output: true } : {}),
	};
	const startedAtMs = Date.now();
	const submitted = job.existingTaskId
		? await fetchTask(ctx, job.existingTaskId, itemIndex, signal)
		: await submitTask(ctx, job.endpoint, request, {
				itemIndex,
				signal,
				syncTimeoutMs: settings.syncMode ? settings.timeoutMs : undefined,
			});
	job.onSubmitted(submitted.id);
	const cost = { estimatedCostUsd: estimateCostUsd(job.quality, job.resolution) };
	// A sync-mode reply may already hold the finished images (base64 ones exist nowhere else): never drop them.
	if (!settings.waitForCompletion && !isTerminal(submitted.status)) return { json: { ...getTaskJson(submitted), ...cost } };

	const task = await waitForTask(ctx, submitted, { ...settings, itemIndex, startedAtMs, signal });
	assertTaskNotFailed(ctx, task, itemIndex);
	const item = await buildOutputItem(ctx, task, { ...settings, itemIndex, signal });
	return { ...item, json: { ...item.json, ...cost } };
}
