import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import type { AspectRatio, Quality, Resolution } from '../models/model';
import { estimateImageCost } from '../money/modelPrice';
import type { RequestPreview } from '../reuse/requestMatch';
import type { TaskRunJob } from '../task/taskRun';
import { runTask } from '../task/taskRun';
import type { ImageTaskRequest } from '../transport/types';

export type { TaskPacing, TaskSettings } from '../task/taskRun';

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

type ImageRequestParts = Pick<ImageTaskJob, 'prompt' | 'images' | 'aspectRatio' | 'resolution' | 'quality'>;

function buildImageRequest(job: ImageRequestParts): IDataObject {
	return {
		...(job.images ? { images: job.images } : {}),
		prompt: job.prompt,
		...(job.aspectRatio ? { aspect_ratio: job.aspectRatio } : {}),
		resolution: job.resolution,
		quality: job.quality,
	} satisfies ImageTaskRequest;
}

/** What an Edit or Generate item would send, for its Idempotency Key's check (binaries as placeholders). */
export function describeImageRequest(endpoint: string, job: ImageRequestParts): RequestPreview {
	return { modelId: endpoint.replace(/^\/api\/v3\//, ''), inputs: buildImageRequest(job) };
}

/**
 * A GPT Image 2 task's cost fields: WaveSpeed's quote, else the price table (money/modelPrice.ts). Asked once per
 * quality and resolution in a node run, by the money guards before anything is sent (with the image URLs known then)
 * or while the task runs.
 */
export async function estimateImageTaskCost(
	ctx: IExecuteFunctions,
	job: ImageRequestParts & Pick<ImageTaskJob, 'endpoint' | 'itemIndex' | 'deadlineMs'>,
): Promise<IDataObject> {
	const modelId = job.endpoint.replace(/^\/api\/v3\//, '');
	return await estimateImageCost(ctx, { modelId, quality: job.quality, resolution: job.resolution }, buildImageRequest(job), {
		itemIndex: job.itemIndex,
		deadlineMs: job.deadlineMs,
	});
}

/** Edit and Generate: GPT Image 2's request, its price, and outputs that must be images. */
export async function runImageTask(ctx: IExecuteFunctions, job: ImageTaskJob): Promise<INodeExecutionData> {
	return await runTask(ctx, {
		...job,
		request: buildImageRequest(job),
		// Asked while the task is submitted and runs (or already, by the money guards): it adds no time to the item.
		cost: estimateImageTaskCost(ctx, job),
		durationKind: `${job.endpoint}|${job.resolution}|${job.quality}`,
		media: 'image',
	});
}
