import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { parameterError } from '../helpers/itemErrors';

/** Parameters shared by Edit Image and Get Result, defined once. */

export const waitForCompletionProperty: INodeProperties = {
	displayName: 'Wait for Completion',
	name: 'waitForCompletion',
	type: 'boolean',
	default: true,
	description:
		'Whether to wait until the image is ready and return it. Turn off to return the task ID at once and collect the result later with "Get Result".',
	displayOptions: { show: { operation: ['editImage', 'getResult'] } },
};

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
	displayOptions: { show: { operation: ['editImage', 'getResult'] } },
	options: [
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
			displayOptions: { show: { '/operation': ['editImage'] } },
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

export interface WaitSettings {
	waitForCompletion: boolean;
	pollIntervalMs: number;
	timeoutMs: number;
	downloadOutput: boolean;
	outputBinaryProperty: string;
	syncMode: boolean;
}

interface RawOptions {
	pollInterval?: number;
	timeout?: number;
	downloadOutput?: boolean;
	outputBinaryProperty?: string;
	syncMode?: boolean;
	maxConcurrency?: number;
}

/** Reads the wait options of one item; seconds become milliseconds here, once. */
export function readWaitSettings(ctx: IExecuteFunctions, itemIndex: number): WaitSettings {
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
		downloadOutput: options.downloadOutput ?? true,
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
