import type { INodeProperties } from 'n8n-workflow';

import { ASPECT_RATIOS, AUTO_ASPECT_RATIO, DEFAULT_QUALITY, DEFAULT_RESOLUTION } from '../models/model';
import { idempotencyKeyOption, recoveryWindowOption, reuseWindowOption } from './reuseOptions';

/** Parameters shared by several operations, defined once. */

/** The operations that create a task, those of GPT Image 2 among them, and those that wait for one. */
const GPT_IMAGE_OPERATIONS = ['editImage', 'generateImage'];
const TASK_OPERATIONS = [...GPT_IMAGE_OPERATIONS, 'runModel'];
const WAITING_OPERATIONS = [...TASK_OPERATIONS, 'getResult'];

export const waitForCompletionProperty: INodeProperties = {
	displayName: 'Wait for Completion',
	name: 'waitForCompletion',
	type: 'boolean',
	default: true,
	description:
		'Whether to wait until the image is ready and return it. Turn off to return the task ID at once and collect the result later with "Get Result". Read per item: items may mix both, even with Wait Method "webhook" (the items that do not wait come out as submitted).',
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
	displayOptions: { show: { operation: GPT_IMAGE_OPERATIONS } },
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
	displayOptions: { show: { operation: GPT_IMAGE_OPERATIONS } },
};

export const DEFAULT_POLL_INTERVAL_SECONDS = 2;
export const MIN_POLL_INTERVAL_SECONDS = 0.5;
export const DEFAULT_TIMEOUT_SECONDS = 600;
export const DEFAULT_MAX_CONCURRENCY = 4;
/** WaveSpeed's Silver level allows 300 concurrent tasks, Gold 3,000: one execution is measured up to 1,000 (README: Running at scale). */
export const MAX_MAX_CONCURRENCY = 1000;

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
			displayName: 'Callback URL',
			name: 'callbackUrl',
			type: 'string',
			default: '',
			placeholder: 'e.g. https://n8n.example.com/webhook/…/wavespeed?sku=123',
			description:
				"Where WaveSpeed POSTs each task when it ends, such as a WaveSpeed Trigger's production URL. Query parameters you add come back in the Trigger's output. Read per item; kept with Wait Method \"webhook\" too (only the items that wait use n8n's resume URL).",
			displayOptions: { show: { '/operation': TASK_OPERATIONS, '/waitForCompletion': [false] } },
		},
		{
			displayName: 'Check Balance First',
			name: 'checkBalance',
			type: 'boolean',
			default: true,
			description:
				"Whether to read the account balance (one free request) before the run's first task, and send nothing when it is below the batch's estimated cost. Off or on, a task WaveSpeed refuses for insufficient balance is not retried and no further item is submitted. Read from the first item only: it applies to the whole batch.",
			displayOptions: { show: { '/operation': TASK_OPERATIONS } },
		},
		{
			displayName: 'Download Output',
			name: 'downloadOutput',
			type: 'boolean',
			default: true,
			description: 'Whether to download the finished images into binary data. Off: only their URLs are returned.',
		},
		idempotencyKeyOption,
		{
			displayName: 'Max Concurrency',
			name: 'maxConcurrency',
			type: 'number',
			default: DEFAULT_MAX_CONCURRENCY,
			typeOptions: { minValue: 1, maxValue: MAX_MAX_CONCURRENCY },
			description:
				"Tasks running at WaveSpeed at once (1 to 1,000). Set it to your account level's concurrent-task limit (WaveSpeed's Account Levels page: Bronze 2, Silver 300, Gold and above 3,000 or more). Too high costs a few refused submits, never money: the node learns a lower limit from WaveSpeed's 429 replies. Read from the first item only: it applies to the whole batch.",
		},
		{
			displayName: 'Max Cost per Run (USD)',
			name: 'maxCostUsd',
			type: 'number',
			default: '',
			typeOptions: { minValue: 0, numberPrecision: 2 },
			placeholder: 'e.g. 5',
			description:
				"Send nothing when the batch's estimated cost is above this. The estimate is WaveSpeed's free price quote (asked once per model and inputs, at most 15 s for the whole batch); where it gives none: GPT Image 2's price table, or for Run Model the catalogue's base price. A Run Model item with no price known stops the run while a cap is set. Empty: no cap. Read from the first item only: it applies to the whole batch.",
			displayOptions: { show: { '/operation': TASK_OPERATIONS } },
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
			description:
				'How often to ask whether the task is done. It grows slowly for long tasks, and with more than 200 tasks running at once (an execution asks about 100 times a second at most).',
		},
		recoveryWindowOption,
		reuseWindowOption,
		{
			displayName: 'Sync Mode',
			name: 'syncMode',
			type: 'boolean',
			default: false,
			description:
				'Whether WaveSpeed should hold the submit request open until the image is ready. The node waits for that reply in full (at least 10 minutes, even past Timeout: giving up would lose the ID of a billed task); Timeout then counts from the reply and bounds the polling, if WaveSpeed\'s wait ran out, and the downloads.',
			displayOptions: { show: { '/operation': TASK_OPERATIONS } },
		},
		{
			displayName: 'Timeout (Seconds)',
			name: 'timeout',
			type: 'number',
			default: DEFAULT_TIMEOUT_SECONDS,
			typeOptions: { minValue: 1 },
			description: 'How long to wait for a task in all before failing the item. The task itself is not cancelled. Read per item; a webhook wait lasts until the longest Timeout of its items.',
		},
		{
			displayName: 'Wait Method',
			name: 'waitMethod',
			type: 'options',
			options: [
				{
					name: 'Poll',
					value: 'poll',
					description: 'Ask WaveSpeed until the tasks end, inside the running execution',
				},
				{
					name: 'Webhook',
					value: 'webhook',
					description:
						"WaveSpeed calls back: the execution waits without a worker and survives an n8n restart. n8n's WEBHOOK_URL must be reachable by WaveSpeed.",
				},
			],
			default: 'poll',
			description: 'How the execution waits for its tasks when Wait for Completion is on. Read from the first item only: the whole batch waits one way.',
			displayOptions: { show: { '/operation': TASK_OPERATIONS, '/waitForCompletion': [true] } },
		},
	],
};
