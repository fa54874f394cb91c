import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import type { BinaryImage } from '../helpers/imageInputs';
import {
	BINARY_PROPERTIES_PARAMETER,
	IMAGE_URLS_PARAMETER,
	parseList,
	readBinaryImages,
	validateImageCount,
	validateImageUrls,
} from '../helpers/imageInputs';
import { parameterError, prefixMessage } from '../helpers/itemErrors';
import {
	ASPECT_RATIOS,
	AUTO_ASPECT_RATIO,
	DEFAULT_QUALITY,
	DEFAULT_RESOLUTION,
	QUALITIES,
	RESOLUTIONS,
	isOneOf,
} from '../helpers/model';
import { buildOutputItem, getTaskJson } from '../helpers/output';
import { waitForTask } from '../helpers/polling';
import { assertTaskNotFailed, submitEditTask } from '../helpers/task';
import type { EditImageRequest } from '../helpers/types';
import { uploadImage } from '../helpers/upload';
import { readWaitSettings } from './descriptions';
import type { RunContext } from './runContext';

const IMAGE_SOURCES = ['binary', 'url', 'both'] as const;

const properties: INodeProperties[] = [
	{
		displayName: 'Prompt',
		name: 'prompt',
		type: 'string',
		typeOptions: { rows: 4 },
		required: true,
		default: '',
		placeholder: 'e.g. Put this product on a marble table in a bright studio',
		description: 'What to change in the image(s), in plain words',
	},
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
	{
		displayName: 'Aspect Ratio',
		name: 'aspectRatio',
		type: 'options',
		options: [
			{ name: 'Auto (From First Image)', value: AUTO_ASPECT_RATIO },
			...ASPECT_RATIOS.map((ratio) => ({ name: ratio, value: ratio })),
		],
		default: AUTO_ASPECT_RATIO,
		description: 'Shape of the output image',
	},
	{
		displayName: 'Resolution',
		name: 'resolution',
		type: 'options',
		options: [
			{ name: '1K (Long Side About 1024 Px)', value: '1k' },
			{ name: '2K (Long Side About 2048 Px)', value: '2k' },
			{ name: '4K (Long Side About 3840 Px)', value: '4k' },
		],
		default: DEFAULT_RESOLUTION,
		description: 'Size of the output image; larger costs more',
	},
	{
		displayName: 'Quality',
		name: 'quality',
		type: 'options',
		options: [
			{ name: 'High', value: 'high' },
			{ name: 'Low', value: 'low' },
			{ name: 'Medium', value: 'medium' },
		],
		default: DEFAULT_QUALITY,
		description: 'Rendering quality; higher costs more',
	},
];

export const description = updateDisplayOptions({ show: { operation: ['editImage'] } }, properties);

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	run: RunContext,
): Promise<INodeExecutionData> {
	const node = this.getNode();
	const prompt = String(this.getNodeParameter('prompt', itemIndex, '') ?? '').trim();
	if (!prompt) throw parameterError(node, itemIndex, 'Prompt', 'The prompt is empty');

	const imageSource = this.getNodeParameter('imageSource', itemIndex, 'binary');
	if (!isOneOf(IMAGE_SOURCES, imageSource)) {
		throw parameterError(node, itemIndex, 'Image Source', `Unknown image source "${String(imageSource)}"`);
	}
	const binaryFields =
		imageSource === 'url' ? [] : parseList(this.getNodeParameter('binaryProperties', itemIndex, 'data'));
	const imageUrls =
		imageSource === 'binary'
			? []
			: validateImageUrls(this, itemIndex, parseList(this.getNodeParameter('imageUrls', itemIndex, '')));
	validateImageCount(
		this,
		itemIndex,
		binaryFields.length + imageUrls.length,
		imageSource === 'url' ? IMAGE_URLS_PARAMETER : BINARY_PROPERTIES_PARAMETER,
	);

	const request: EditImageRequest = { images: [], prompt, ...readChoices(this, itemIndex) };
	const settings = readWaitSettings(this, itemIndex);
	const binaryImages = await readBinaryImages(this, itemIndex, binaryFields);

	// Everything above is checked before any request, so bad input costs nothing.
	const uploadedUrls = await Promise.all(
		binaryImages.map(async (image: BinaryImage) => {
			try {
				return await uploadImage(this, run.uploads, image, itemIndex, run.signal);
			} catch (error) {
				throw prefixMessage(error, `Binary field "${image.field}"`);
			}
		}),
	);
	request.images = [...uploadedUrls, ...imageUrls];

	const startedAtMs = Date.now();
	const submitted = await submitEditTask(this, request, {
		itemIndex,
		signal: run.signal,
		syncTimeoutMs: settings.syncMode ? settings.timeoutMs : undefined,
	});
	run.submittedTasks.set(itemIndex, submitted.id);

	if (!settings.waitForCompletion) return { json: getTaskJson(submitted) };

	const task = await waitForTask(this, submitted, { ...settings, itemIndex, startedAtMs, signal: run.signal });
	assertTaskNotFailed(this, task, itemIndex);
	return await buildOutputItem(this, task, { ...settings, itemIndex, signal: run.signal });
}

/** Aspect ratio, resolution and quality, checked even when they come from an expression (the API drops bad values). */
function readChoices(ctx: IExecuteFunctions, itemIndex: number): Partial<EditImageRequest> {
	const node = ctx.getNode();
	const aspectRatio = ctx.getNodeParameter('aspectRatio', itemIndex, AUTO_ASPECT_RATIO);
	const resolution = ctx.getNodeParameter('resolution', itemIndex, DEFAULT_RESOLUTION);
	const quality = ctx.getNodeParameter('quality', itemIndex, DEFAULT_QUALITY);
	if (aspectRatio !== AUTO_ASPECT_RATIO && !isOneOf(ASPECT_RATIOS, aspectRatio)) {
		throw parameterError(node, itemIndex, 'Aspect Ratio', `Unknown aspect ratio "${String(aspectRatio)}"`, `Use auto or one of ${ASPECT_RATIOS.join(', ')}.`);
	}
	if (!isOneOf(RESOLUTIONS, resolution)) {
		throw parameterError(node, itemIndex, 'Resolution', `Unknown resolution "${String(resolution)}"`, `Use one of ${RESOLUTIONS.join(', ')}.`);
	}
	if (!isOneOf(QUALITIES, quality)) {
		throw parameterError(node, itemIndex, 'Quality', `Unknown quality "${String(quality)}"`, `Use one of ${QUALITIES.join(', ')}.`);
	}
	return { ...(aspectRatio === AUTO_ASPECT_RATIO ? {} : { aspect_ratio: aspectRatio }), resolution, quality };
}
