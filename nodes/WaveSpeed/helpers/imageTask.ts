import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { getHttpStatus, getRetryAfterMs } from '../transport';
import { DEFAULT_RETRY_POLICY, getRetryDelayMs } from '../transport/retry';
import { sleepUnlessAborted } from '../transport/sleep';
import type { TaskSlots } from './concurrency';
import type { DurationModel } from './pollSchedule';

import type { AspectRatio, Quality, Resolution } from './model';
import { estimateCostUsd } from './model';
import { buildOutputItem, getTaskJson } from './output';
import { waitForTask } from './polling';
import { assertTaskNotFailed, fetchTask, submitTask } from './task';
import { isTerminal } from './taskStatus';
import type { ImageTaskRequest, Task } from './types';

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
	/** The item's Timeout, as a time (epoch ms): uploads, submits, waits and downloads all end by then. */
	deadlineMs: number;
	pacing: TaskPacing;
	/** A task an earlier try of the node already paid for: picked up instead of submitting a new one. */
	existingTaskId?: string;
	/** Told the task id as soon as it exists: the task is billed from then on. */
	onSubmitted: (taskId: string) => void;
}

/** How items share WaveSpeed and the execution's downloads, and what they learn of task durations. */
export interface TaskPacing {
	/** Tasks running at WaveSpeed: what the account's concurrency limit counts. */
	taskSlots: TaskSlots;
	/** Output downloads: their own limit, so a finished task's download never holds a task slot. */
	downloadSlots: TaskSlots;
	durations: DurationModel;
}

/**
 * Edit and Generate alike: submit once (or pick up the task an earlier try submitted), then return the task at once
 * or wait for it and build the output item. The task slot is held from the submit until the task ends, not through
 * the download.
 */
export async function runImageTask(ctx: IExecuteFunctions, job: ImageTaskJob): Promise<INodeExecutionData> {
	const { settings, itemIndex, signal, pacing } = job;
	const request: ImageTaskRequest = {
		...(job.images ? { images: job.images } : {}),
		prompt: job.prompt,
		...(job.aspectRatio ? { aspect_ratio: job.aspectRatio } : {}),
		resolution: job.resolution,
		quality: job.quality,
		...(settings.base64Output ? { enable_base64_output: true } : {}),
	};
	const cost = { estimatedCostUsd: estimateCostUsd(job.quality, job.resolution) };
	const learning = { model: pacing.durations, kind: `${job.endpoint}|${job.resolution}|${job.quality}` };

	let task: Task;
	if (job.existingTaskId) {
		// A task an earlier try paid for: it runs at WaveSpeed already, so it takes no new slot.
		const startedAtMs = Date.now();
		const existing = await fetchTask(ctx, job.existingTaskId, itemIndex, signal);
		job.onSubmitted(existing.id);
		if (!settings.waitForCompletion && !isTerminal(existing.status)) return { json: { ...getTaskJson(existing), ...cost } };
		task = await waitForTask(ctx, existing, { ...settings, itemIndex, startedAtMs, signal, deadlineMs: job.deadlineMs });
	} else {
		const { task: submitted, startedAtMs } = await submitInSlot(ctx, job, request);
		try {
			job.onSubmitted(submitted.id);
			// A sync-mode reply may already hold the finished images (base64 ones exist nowhere else): never drop them.
			if (!settings.waitForCompletion && !isTerminal(submitted.status)) return { json: { ...getTaskJson(submitted), ...cost } };
			task = await waitForTask(ctx, submitted, { ...settings, itemIndex, startedAtMs, signal, learning, deadlineMs: job.deadlineMs });
		} finally {
			pacing.taskSlots.release(true);
		}
	}
	assertTaskNotFailed(ctx, task, itemIndex);
	const item = await withSlot(pacing.downloadSlots, signal, async () => await buildOutputItem(ctx, task, { ...settings, itemIndex, signal, deadlineMs: job.deadlineMs }));
	return { ...item, json: { ...item.json, ...cost } };
}

/**
 * Takes a task slot and submits, holding the slot on success. A 429 gives the slot back and lowers the limit to what
 * is running: the item then waits for a running task to end instead of asking again blindly. With nothing else
 * running, it waits WaveSpeed's Retry-After (or a backoff) first. Never past the item's deadline.
 */
async function submitInSlot(ctx: IExecuteFunctions, job: ImageTaskJob, request: ImageTaskRequest): Promise<{ task: Task; startedAtMs: number }> {
	const { pacing, signal, itemIndex, settings, deadlineMs } = job;
	for (let refusals = 0; ; refusals++) {
		if (!(await pacing.taskSlots.acquire(signal, deadlineMs))) throw noTaskCreated(ctx, job, refusals);
		const startedAtMs = Date.now();
		const submitted = await submitTask(ctx, job.endpoint, request, {
			itemIndex,
			signal,
			deadlineMs,
			syncTimeoutMs: settings.syncMode ? settings.timeoutMs : undefined,
			retryRateLimit: false,
		}).then(
			(task) => ({ task }),
			(error: Error) => ({ error }),
		);
		if ('task' in submitted) {
			pacing.taskSlots.accepted();
			return { task: submitted.task, startedAtMs };
		}
		pacing.taskSlots.release();
		if (getHttpStatus(submitted.error) !== 429) throw submitted.error;
		pacing.taskSlots.refused();
		if (pacing.taskSlots.confirmedCount === 0) {
			// Nothing of ours runs, yet WaveSpeed refused: a per-minute limit or other users of the key. Back off.
			const waitMs = getRetryDelayMs(refusals, DEFAULT_RETRY_POLICY, getRetryAfterMs(submitted.error));
			if (Date.now() + waitMs >= deadlineMs) {
				await sleepUnlessAborted(deadlineMs - Date.now(), signal);
				throw noTaskCreated(ctx, job, refusals + 1);
			}
			await sleepUnlessAborted(waitMs, signal);
		}
	}
}

function noTaskCreated(ctx: IExecuteFunctions, job: ImageTaskJob, refusals: number): Error {
	const stopped = job.signal.aborted;
	const why = stopped
		? 'The execution was stopped before this task was submitted'
		: `No task was created within the ${Math.round(job.settings.timeoutMs / 1000)} s Timeout: WaveSpeed refused it ${refusals} time(s) (429, too many tasks at once)`;
	return new NodeOperationError(ctx.getNode(), why, {
		itemIndex: job.itemIndex,
		description: stopped ? undefined : 'Nothing was billed for this item. Lower "Max Concurrency" or raise "Timeout".',
	});
}

async function withSlot<T>(slots: TaskSlots, signal: AbortSignal, work: () => Promise<T>): Promise<T> {
	await slots.acquire(signal);
	try {
		return await work();
	} finally {
		slots.release();
	}
}
