import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { TaskSettings } from '../helpers/imageTask';
import { parameterError } from '../helpers/itemErrors';
import type { AspectRatio, Quality, Resolution } from '../helpers/model';
import {
	ASPECT_RATIOS,
	AUTO_ASPECT_RATIO,
	DEFAULT_QUALITY,
	DEFAULT_RESOLUTION,
	QUALITIES,
	RESOLUTIONS,
	isOneOf,
} from '../helpers/model';

/** Parameters shared by several operations, defined once. */

/** The operations that create a task, and those that wait for one. */
const TASK_OPERATIONS = ['editImage', 'generateImage'];
const WAITING_OPERATIONS = [...TASK_OPERATIONS, 'getResult'];

export const waitForCompletionProperty: INodeProperties = {
	displayName: 'Wait for Completion',
	name: 'waitForCompletion',
	type: 'boolean',
	default: true,
	description:
		'Whether to wait until the image is ready and return it. Turn off to return the task ID at once and collect the result later with "Get Result".',
	displayOptions: { show: { operation: WAITING_OPERATIONS } },
};

export function promptProperty(operation: string, placeholder: string, description: string): INodeProperties {
	return {
		displayName: 'Prompt',
		name: 'prompt',
		type: 'string',
		typeOptions: { rows: 4 },
		required: true,
		default: '',
		placeholder,
		description,
		displayOptions: { show: { operation: [operation] } },
	};
}

export function readPrompt(ctx: IExecuteFunctions, itemIndex: number): string {
	const prompt = String(ctx.getNodeParameter('prompt', itemIndex, '') ?? '').trim();
	if (!prompt) throw parameterError(ctx.getNode(), itemIndex, 'Prompt', 'The prompt is empty');
	return prompt;
}

/** Edit Image may leave the ratio to the first image (`auto`); Generate Image has no image to take it from. */
export function aspectRatioProperty(operation: string, defaultRatio: string, allowAuto: boolean): INodeProperties {
	return {
		displayName: 'Aspect Ratio',
		name: 'aspectRatio',
		type: 'options',
		options: [
			...(allowAuto ? [{ name: 'Auto (From First Image)', value: AUTO_ASPECT_RATIO }] : []),
			...ASPECT_RATIOS.map((ratio) => ({ name: ratio, value: ratio })),
		],
		default: defaultRatio,
		description: 'Shape of the output image, width:height',
		displayOptions: { show: { operation: [operation] } },
	};
}

export const resolutionProperty: INodeProperties = {
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
	displayOptions: { show: { operation: TASK_OPERATIONS } },
};

export const qualityProperty: INodeProperties = {
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
	displayOptions: { show: { operation: TASK_OPERATIONS } },
};

export interface ImageChoices {
	aspectRatio?: AspectRatio;
	resolution: Resolution;
	quality: Quality;
}

/** Aspect ratio, resolution and quality, checked even when they come from an expression (the API drops bad values). */
export function readImageChoices(ctx: IExecuteFunctions, itemIndex: number, defaultRatio: string): ImageChoices {
	const node = ctx.getNode();
	const aspectRatio = ctx.getNodeParameter('aspectRatio', itemIndex, defaultRatio);
	const resolution = ctx.getNodeParameter('resolution', itemIndex, DEFAULT_RESOLUTION);
	const quality = ctx.getNodeParameter('quality', itemIndex, DEFAULT_QUALITY);
	const allowed = defaultRatio === AUTO_ASPECT_RATIO ? `auto or one of ${ASPECT_RATIOS.join(', ')}` : `one of ${ASPECT_RATIOS.join(', ')}`;
	if (!(aspectRatio === AUTO_ASPECT_RATIO && defaultRatio === AUTO_ASPECT_RATIO) && !isOneOf(ASPECT_RATIOS, aspectRatio)) {
		throw parameterError(node, itemIndex, 'Aspect Ratio', `Unknown aspect ratio "${String(aspectRatio)}"`, `Use ${allowed}.`);
	}
	if (!isOneOf(RESOLUTIONS, resolution)) {
		throw parameterError(node, itemIndex, 'Resolution', `Unknown resolution "${String(resolution)}"`, `Use one of ${RESOLUTIONS.join(', ')}.`);
	}
	if (!isOneOf(QUALITIES, quality)) {
		throw parameterError(node, itemIndex, 'Quality', `Unknown quality "${String(quality)}"`, `Use one of ${QUALITIES.join(', ')}.`);
	}
	return { aspectRatio: isOneOf(ASPECT_RATIOS, aspectRatio) ? aspectRatio : undefined, resolution, quality };
}

export const DEFAULT_POLL_INTERVAL_SECONDS = 2;
export const MIN_POLL_INTERVAL_SECONDS = 0.5;
export const DEFAULT_TIMEOUT_SECONDS = 600;
export const DEFAULT_MAX_CONCURRENCY = 4;
export const MAX_MAX_CONCURRENCY = 64;

export const optionsProperty: INodeProperties = {
	displayName: 'Options',
	name: 'options',
	type: 'collection',
	placeholder: 'Add Option',
	default: {},
	displayOptions: { show: { operation: WAITING_OPERATIONS } },
	options: [
		{
			displayName: 'Base64 Output',
			name: 'base64Output',
			type: 'boolean',
			default: false,
			description:
				'Whether WaveSpeed should send the image itself instead of a URL. It still becomes binary data; the JSON then has no output URL.',
			displayOptions: { show: { '/operation': TASK_OPERATIONS } },
		},
		{
			displayName: 'Download Output',
			name: 'downloadOutput',
			type: 'boolean',
			default: true,
			description: 'Whether to download the finished images into binary data. Off: only their URLs are returned.',
		},
		{
			displayName: 'Max Concurrency',
			name: 'maxConcurrency',
			type: 'number',
			default: DEFAULT_MAX_CONCURRENCY,
			typeOptions: { minValue: 1, maxValue: MAX_MAX_CONCURRENCY },
			description:
				'How many items are processed at once (upload, task, wait and download). Lower it if your WaveSpeed plan allows few concurrent tasks. Read from the first item.',
		},
		{
			displayName: 'Output Binary Field',
			name: 'outputBinaryProperty',
			type: 'string',
			default: 'data',
			description: 'The binary field for the first image; further images go to the same name with _1, _2, … appended',
		},
		{
			displayName: 'Poll Interval (Seconds)',
			name: 'pollInterval',
			type: 'number',
			default: DEFAULT_POLL_INTERVAL_SECONDS,
			typeOptions: { minValue: MIN_POLL_INTERVAL_SECONDS, numberPrecision: 1 },
			description: 'How often to ask whether the task is done. It grows slowly for long tasks.',
		},
		{
			displayName: 'Sync Mode',
			name: 'syncMode',
			type: 'boolean',
			default: false,
			description:
				'Whether WaveSpeed should hold the submit request open until the image is ready. If its wait runs out, the node goes on polling the task.',
			displayOptions: { show: { '/operation': TASK_OPERATIONS } },
		},
		{
			displayName: 'Timeout (Seconds)',
			name: 'timeout',
			type: 'number',
			default: DEFAULT_TIMEOUT_SECONDS,
			typeOptions: { minValue: 1 },
			description: 'How long to wait for a task in all before failing the item. The task itself is not cancelled.',
		},
	],
};

export type WaitSettings = TaskSettings;

interface RawOptions {
	base64Output?: boolean;
	pollInterval?: number;
	timeout?: number;
	downloadOutput?: boolean;
	outputBinaryProperty?: string;
	syncMode?: boolean;
	maxConcurrency?: number;
}

/**
 * Reads the wait options of one item; seconds become milliseconds here, once. As an AI agent's tool the node
 * returns URLs, not binaries: agents cannot take binary data.
 */
export function readWaitSettings(ctx: IExecuteFunctions, itemIndex: number, isToolCall = false): WaitSettings {
	const options = ctx.getNodeParameter('options', itemIndex, {}) as RawOptions;
	const pollIntervalSeconds = Number(options.pollInterval ?? DEFAULT_POLL_INTERVAL_SECONDS);
	if (!(pollIntervalSeconds >= MIN_POLL_INTERVAL_SECONDS)) {
		throw parameterError(ctx.getNode(), itemIndex, 'Poll Interval (Seconds)', `Must be at least ${MIN_POLL_INTERVAL_SECONDS}`);
	}
	const timeoutSeconds = Number(options.timeout ?? DEFAULT_TIMEOUT_SECONDS);
	if (!(timeoutSeconds > 0)) {
		throw parameterError(ctx.getNode(), itemIndex, 'Timeout (Seconds)', 'Must be more than 0');
	}
	const outputBinaryProperty = String(options.outputBinaryProperty ?? 'data').trim();
	if (!outputBinaryProperty) {
		throw parameterError(ctx.getNode(), itemIndex, 'Output Binary Field', 'Must not be empty');
	}
	return {
		waitForCompletion: ctx.getNodeParameter('waitForCompletion', itemIndex, true) as boolean,
		pollIntervalMs: Math.round(pollIntervalSeconds * 1000),
		timeoutMs: Math.round(timeoutSeconds * 1000),
		downloadOutput: !isToolCall && (options.downloadOutput ?? true),
		base64Output: !isToolCall && (options.base64Output ?? false),
		outputBinaryProperty,
		syncMode: options.syncMode ?? false,
	};
}

/** The pool size for the whole execution, from the first item's options. */
export function readMaxConcurrency(ctx: IExecuteFunctions): number {
	const options = ctx.getNodeParameter('options', 0, {}) as RawOptions;
	const value = Math.floor(Number(options.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY));
	if (!(value >= 1 && value <= MAX_MAX_CONCURRENCY)) {
		throw parameterError(ctx.getNode(), 0, 'Max Concurrency', `Must be a whole number from 1 to ${MAX_MAX_CONCURRENCY}`);
	}
	return value;
}
