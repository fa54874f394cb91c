import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import type { AspectRatio, Quality, Resolution } from './model';
import { estimateImageCost } from './modelPrice';
import type { TaskRunJob } from './taskRun';
import { runTask } from './taskRun';
import type { ImageTaskRequest } from './types';

export type { TaskPacing, TaskSettings } from './taskRun';

/** GPT Image 2's inputs, plus how the task shares the execution (as for any model). */
export interface ImageTaskJob extends Omit<TaskRunJob, 'request' | 'cost' | 'durationKind' | 'media'> {
	prompt: string;
	/** Edit only: the reference image URLs, binaries first. */
	images?: string[];
	/** Left out of the request when undefined (Edit Image then takes the first image's ratio). */
	aspectRatio?: AspectRatio;
	resolution: Resolution;
	quality: Quality;
}

/** Edit and Generate: GPT Image 2's request, its price table, and outputs that must be images. */
export async function runImageTask(ctx: IExecuteFunctions, job: ImageTaskJob): Promise<INodeExecutionData> {
	const request = {
		...(job.images ? { images: job.images } : {}),
		prompt: job.prompt,
		...(job.aspectRatio ? { aspect_ratio: job.aspectRatio } : {}),
		resolution: job.resolution,
		quality: job.quality,
	} satisfies ImageTaskRequest;
	return await runTask(ctx, {
		...job,
		request,
		// Asked while the task is submitted and runs: the quote adds no time to the item.
		cost: estimateImageCost(ctx, { modelId: job.endpoint.replace(/^\/api\/v3\//, ''), quality: job.quality, resolution: job.resolution }, request, {
			itemIndex: job.itemIndex,
			deadlineMs: job.deadlineMs,
		}),
		durationKind: `${job.endpoint}|${job.resolution}|${job.quality}`,
		media: 'image',
	});
}
