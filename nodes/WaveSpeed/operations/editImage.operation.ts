import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import type { BinaryImage } from '../media/imageInputs';
import {
	BINARY_PROPERTIES_PARAMETER,
	IMAGE_URLS_PARAMETER,
	parseList,
	readBinaryImages,
	validateImageCount,
	validateImageUrls,
} from '../media/imageInputs';
import { describeImageRequest, estimateImageTaskCost, runImageTask } from './imageTask';
import { binaryPlaceholder } from '../models/modelInputs';
import { getTaskSharing } from '../task/taskRun';
import { parameterError } from '../transport/itemErrors';
import { AUTO_ASPECT_RATIO, EDIT_IMAGE_ENDPOINT, isOneOf } from '../models/model';
import { uploadBinaries } from '../media/upload';
import { aspectRatioProperty, promptProperty } from './descriptions';
import type { ImageChoices, WaitSettings } from './parameters';
import { readImageChoices, readPrompt, readText, readTextOrList, readWaitSettings } from './parameters';
import type { DescribedRequest, EstimateCall, PrepareContext, RunContext } from './operation';

const IMAGE_SOURCES = ['binary', 'url', 'both'] as const;

const properties: INodeProperties[] = [
	{
		displayName: 'Image Source',
		name: 'imageSource',
		type: 'options',
		options: [
			{ name: 'Binary Data', value: 'binary', description: "Images from the item's binary fields" },
			{ name: 'Binary Data and URLs', value: 'both', description: 'Binary fields first, then URLs' },
			{ name: 'URLs', value: 'url', description: 'Public image URLs' },
		],
		default: 'binary',
		description: 'Where the reference images come from (1 to 16 in all)',
	},
	{
		displayName: BINARY_PROPERTIES_PARAMETER,
		name: 'binaryProperties',
		type: 'string',
		default: 'data',
		required: true,
		placeholder: 'e.g. data, logo',
		hint: 'Comma-separated names of binary fields; each must hold a PNG, JPEG or WEBP image',
		description: 'The binary fields of the input item to edit. They are uploaded to WaveSpeed storage first.',
		displayOptions: { show: { imageSource: ['binary', 'both'] } },
	},
	{
		displayName: IMAGE_URLS_PARAMETER,
		name: 'imageUrls',
		type: 'string',
		typeOptions: { rows: 2 },
		default: '',
		required: true,
		placeholder: 'e.g. https://example.com/product.png',
		description:
			'Public http(s) URLs of the images, separated by commas or new lines, or an expression that returns an array',
		displayOptions: { show: { imageSource: ['url', 'both'] } },
	},
];

export const description = [
	promptProperty(
		'editImage',
		'e.g. Put this product on a marble table in a bright studio',
		'What to change in the image(s), in plain words',
	),
	...updateDisplayOptions({ show: { operation: ['editImage'] } }, properties),
	aspectRatioProperty('editImage', AUTO_ASPECT_RATIO, true),
];

export const holdsTaskSlots = true;

export interface Job {
	itemIndex: number;
	prompt: string;
	binaryImages: BinaryImage[];
	imageUrls: string[];
	choices: ImageChoices;
	settings: WaitSettings;
}

/** Reads and checks everything, binaries included (their first bytes only): nothing is sent from here. */
export async function prepare(this: IExecuteFunctions, itemIndex: number, context: PrepareContext): Promise<Job> {
	const prompt = readPrompt(this, itemIndex);
	const imageSource = readText(this, itemIndex, 'imageSource', 'Image Source', 'binary');
	if (!isOneOf(IMAGE_SOURCES, imageSource)) {
		throw parameterError(this.getNode(), itemIndex, 'Image Source', `Unknown image source "${imageSource}"`);
	}
	const binaryFields =
		imageSource === 'url'
			? []
			: parseList(readTextOrList(this, itemIndex, 'binaryProperties', BINARY_PROPERTIES_PARAMETER, 'data'));
	const imageUrls =
		imageSource === 'binary'
			? []
			: validateImageUrls(this, itemIndex, parseList(readTextOrList(this, itemIndex, 'imageUrls', IMAGE_URLS_PARAMETER)));
	validateImageCount(
		this,
		itemIndex,
		binaryFields.length + imageUrls.length,
		imageSource === 'url' ? IMAGE_URLS_PARAMETER : BINARY_PROPERTIES_PARAMETER,
	);
	const choices = readImageChoices(this, itemIndex, AUTO_ASPECT_RATIO);
	const settings = readWaitSettings(this, itemIndex, context.isToolCall);
	const binaryImages = await readBinaryImages(this, itemIndex, binaryFields);
	return { itemIndex, prompt, binaryImages, imageUrls, choices, settings };
}

/** For the money guards, before anything is sent: WaveSpeed's quote, else the price table (labelled so). */
export async function estimateCost(this: IExecuteFunctions, job: Job, call: EstimateCall): Promise<IDataObject> {
	const deadlineMs = Math.min(call.deadlineMs, Date.now() + job.settings.timeoutMs);
	return await estimateImageTaskCost(this, { endpoint: EDIT_IMAGE_ENDPOINT, prompt: job.prompt, images: job.imageUrls, ...job.choices, itemIndex: job.itemIndex, deadlineMs });
}

/** For the Idempotency Key's check: the request, the binaries as placeholders (their URLs differ at every upload). */
export function describeRequest(job: Job): DescribedRequest {
	const images = [...job.binaryImages.map((_, index) => binaryPlaceholder(index)), ...job.imageUrls];
	return { request: describeImageRequest(EDIT_IMAGE_ENDPOINT, { prompt: job.prompt, images, ...job.choices }), binaries: job.binaryImages };
}

export async function execute(this: IExecuteFunctions, job: Job, run: RunContext): Promise<INodeExecutionData> {
	const { itemIndex } = job;
	// Timeout bounds the whole item from its start, key lookup and uploads included.
	const deadlineMs = run.startedAtMs + job.settings.timeoutMs;
	// A task an earlier try paid for is picked up as it is: its images were uploaded then.
	const uploadedUrls = run.record.taskId
		? []
		: await uploadBinaries(this, run.uploads, job.binaryImages, itemIndex, run.signal, deadlineMs);

	return await runImageTask(this, {
		endpoint: EDIT_IMAGE_ENDPOINT,
		prompt: job.prompt,
		images: [...uploadedUrls, ...job.imageUrls],
		...job.choices,
		settings: job.settings,
		itemIndex,
		deadlineMs,
		...getTaskSharing(run),
	});
}
