import type { IExecuteFunctions } from 'n8n-workflow';

import type { TaskSettings } from './imageTask';
import { parameterError } from '../transport/itemErrors';
import type { AspectRatio, Quality, Resolution } from '../models/model';
import {
	ASPECT_RATIOS,
	AUTO_ASPECT_RATIO,
	DEFAULT_QUALITY,
	DEFAULT_RESOLUTION,
	QUALITIES,
	RESOLUTIONS,
	isOneOf,
} from '../models/model';
import {
	DEFAULT_MAX_CONCURRENCY,
	DEFAULT_POLL_INTERVAL_SECONDS,
	DEFAULT_TIMEOUT_SECONDS,
	MAX_MAX_CONCURRENCY,
	MIN_POLL_INTERVAL_SECONDS,
} from './descriptions';

/** Reading parameters: every value is checked here, whatever an expression returned, before anything is sent. */

function describeType(value: unknown): string {
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'an array';
	return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * A text parameter. An expression may return anything: an object would reach WaveSpeed as "[object Object]" and an
 * array as "a,b" (and be billed), so only text and numbers are taken.
 */
export function readText(
	ctx: IExecuteFunctions,
	itemIndex: number,
	name: string,
	label: string,
	fallback = '',
): string {
	const value = ctx.getNodeParameter(name, itemIndex, fallback) as unknown;
	if (value === undefined || value === null) return '';
	if (typeof value === 'string') return value.trim();
	if (typeof value === 'number' && Number.isFinite(value)) return String(value);
	throw parameterError(
		ctx.getNode(),
		itemIndex,
		label,
		`Expected text, got ${describeType(value)}`,
		'Map a text field, e.g. {{ $json.prompt }}, or turn the value into text in the expression (JSON.stringify(…) or .join(…)).',
	);
}

/** A list parameter: text (split by the caller) or an array of texts from an expression. */
export function readTextOrList(
	ctx: IExecuteFunctions,
	itemIndex: number,
	name: string,
	label: string,
	fallback = '',
): string | string[] {
	const value = ctx.getNodeParameter(name, itemIndex, fallback) as unknown;
	if (!Array.isArray(value)) return readText(ctx, itemIndex, name, label, fallback);
	return value.flat().map((entry: unknown, index) => {
		if (typeof entry === 'string') return entry;
		if (typeof entry === 'number' && Number.isFinite(entry)) return String(entry);
		throw parameterError(ctx.getNode(), itemIndex, label, `Entry ${index + 1} of the list is ${describeType(entry)}, not text`);
	});
}

export function readPrompt(ctx: IExecuteFunctions, itemIndex: number): string {
	const prompt = readText(ctx, itemIndex, 'prompt', 'Prompt');
	if (!prompt) throw parameterError(ctx.getNode(), itemIndex, 'Prompt', 'The prompt is empty');
	return prompt;
}

export interface ImageChoices {
	aspectRatio?: AspectRatio;
	resolution: Resolution;
	quality: Quality;
}

/** Aspect ratio, resolution and quality, checked even when they come from an expression (the API drops bad values). */
export function readImageChoices(ctx: IExecuteFunctions, itemIndex: number, defaultRatio: string): ImageChoices {
	const node = ctx.getNode();
	const aspectRatio = readText(ctx, itemIndex, 'aspectRatio', 'Aspect Ratio', defaultRatio);
	const resolution = readText(ctx, itemIndex, 'resolution', 'Resolution', DEFAULT_RESOLUTION);
	const quality = readText(ctx, itemIndex, 'quality', 'Quality', DEFAULT_QUALITY);
	const allowsAuto = defaultRatio === AUTO_ASPECT_RATIO;
	const allowed = `${allowsAuto ? 'auto or ' : ''}one of ${ASPECT_RATIOS.join(', ')}`;
	if (!(allowsAuto && aspectRatio === AUTO_ASPECT_RATIO) && !isOneOf(ASPECT_RATIOS, aspectRatio)) {
		throw parameterError(node, itemIndex, 'Aspect Ratio', `Unknown aspect ratio "${aspectRatio}"`, `Use ${allowed}.`);
	}
	if (!isOneOf(RESOLUTIONS, resolution)) {
		throw parameterError(node, itemIndex, 'Resolution', `Unknown resolution "${resolution}"`, `Use one of ${RESOLUTIONS.join(', ')}.`);
	}
	if (!isOneOf(QUALITIES, quality)) {
		throw parameterError(node, itemIndex, 'Quality', `Unknown quality "${quality}"`, `Use one of ${QUALITIES.join(', ')}.`);
	}
	return { aspectRatio: isOneOf(ASPECT_RATIOS, aspectRatio) ? aspectRatio : undefined, resolution, quality };
}

interface RawOptions {
	base64Output?: unknown;
	pollInterval?: unknown;
	timeout?: unknown;
	downloadOutput?: unknown;
	outputBinaryProperty?: unknown;
	syncMode?: unknown;
	maxConcurrency?: unknown;
	waitMethod?: unknown;
	callbackUrl?: unknown;
}

function readOptions(ctx: IExecuteFunctions, itemIndex: number): RawOptions {
	const options = ctx.getNodeParameter('options', itemIndex, {}) as unknown;
	return options && typeof options === 'object' && !Array.isArray(options) ? (options as RawOptions) : {};
}

export function readBoolean(ctx: IExecuteFunctions, itemIndex: number, value: unknown, label: string, fallback: boolean): boolean {
	if (value === undefined || value === null || value === '') return fallback;
	if (typeof value === 'boolean') return value;
	if (value === 'true' || value === 'false') return value === 'true';
	throw parameterError(ctx.getNode(), itemIndex, label, `Expected true or false, got ${describeType(value)}`);
}

export function readNumber(ctx: IExecuteFunctions, itemIndex: number, value: unknown, label: string, fallback: number): number {
	if (value === undefined || value === null || value === '') return fallback;
	const number = typeof value === 'number' || typeof value === 'string' ? Number(value) : Number.NaN;
	if (!Number.isFinite(number)) throw parameterError(ctx.getNode(), itemIndex, label, `Expected a number, got ${describeType(value)}`);
	return number;
}

export type WaitSettings = TaskSettings;

/**
 * Reads the wait options of one item; seconds become milliseconds here, once. As an AI agent's tool the node
 * returns URLs, not binaries: agents cannot take binary data.
 */
export function readWaitSettings(ctx: IExecuteFunctions, itemIndex: number, isToolCall = false): WaitSettings {
	const node = ctx.getNode();
	const options = readOptions(ctx, itemIndex);
	const pollIntervalSeconds = readNumber(ctx, itemIndex, options.pollInterval, 'Poll Interval (Seconds)', DEFAULT_POLL_INTERVAL_SECONDS);
	if (!(pollIntervalSeconds >= MIN_POLL_INTERVAL_SECONDS)) {
		throw parameterError(node, itemIndex, 'Poll Interval (Seconds)', `Must be at least ${MIN_POLL_INTERVAL_SECONDS}`);
	}
	const timeoutSeconds = readNumber(ctx, itemIndex, options.timeout, 'Timeout (Seconds)', DEFAULT_TIMEOUT_SECONDS);
	if (!(timeoutSeconds > 0)) throw parameterError(node, itemIndex, 'Timeout (Seconds)', 'Must be more than 0');
	const outputBinaryProperty =
		options.outputBinaryProperty === undefined ? 'data' : readOptionText(ctx, itemIndex, options.outputBinaryProperty);
	if (!outputBinaryProperty) throw parameterError(node, itemIndex, 'Output Binary Field', 'Must not be empty');
	const waitForCompletion = readBoolean(ctx, itemIndex, ctx.getNodeParameter('waitForCompletion', itemIndex, true), 'Wait for Completion', true);
	const base64Output = !isToolCall && readBoolean(ctx, itemIndex, options.base64Output, 'Base64 Output', false);
	const callbackUrl = waitForCompletion ? undefined : readCallbackUrl(ctx, itemIndex, options.callbackUrl, base64Output);
	return {
		waitForCompletion,
		callbackUrl,
		pollIntervalMs: Math.round(pollIntervalSeconds * 1000),
		timeoutMs: Math.round(timeoutSeconds * 1000),
		downloadOutput: !isToolCall && readBoolean(ctx, itemIndex, options.downloadOutput, 'Download Output', true),
		base64Output,
		outputBinaryProperty,
		syncMode: readBoolean(ctx, itemIndex, options.syncMode, 'Sync Mode', false),
	};
}

/** Where WaveSpeed POSTs a finished task (Wait for Completion off): an absolute http(s) URL, its query kept. */
function readCallbackUrl(ctx: IExecuteFunctions, itemIndex: number, value: unknown, base64Output: boolean): string | undefined {
	if (value === undefined || value === null || value === '') return undefined;
	const url = typeof value === 'string' ? value.trim() : '';
	const node = ctx.getNode();
	if (!/^https?:\/\/[^\s/?#]+/i.test(url)) {
		throw parameterError(node, itemIndex, 'Callback URL', `Expected an http(s) URL, got ${typeof value === 'string' ? `"${url}"` : describeType(value)}`);
	}
	if (base64Output) {
		throw parameterError(node, itemIndex, 'Callback URL', 'WaveSpeed does not call back for Base64 Output tasks: turn one of the two off');
	}
	return url;
}

function readOptionText(ctx: IExecuteFunctions, itemIndex: number, value: unknown): string {
	if (typeof value === 'string') return value.trim();
	throw parameterError(ctx.getNode(), itemIndex, 'Output Binary Field', `Expected text, got ${describeType(value)}`);
}

/** The pool size for the whole execution, from the first item's options. */
export function readMaxConcurrency(ctx: IExecuteFunctions): number {
	const raw = readOptions(ctx, 0).maxConcurrency;
	const value = Math.floor(readNumber(ctx, 0, raw, 'Max Concurrency', DEFAULT_MAX_CONCURRENCY));
	if (!(value >= 1 && value <= MAX_MAX_CONCURRENCY)) {
		throw parameterError(ctx.getNode(), 0, 'Max Concurrency', `Must be a whole number from 1 to ${MAX_MAX_CONCURRENCY}`);
	}
	return value;
}

export type WaitMethod = 'poll' | 'webhook';

/** How the execution waits for its tasks, from the first item's options (an execution either waits or it polls). */
export function readWaitMethod(ctx: IExecuteFunctions): WaitMethod {
	const value = readOptions(ctx, 0).waitMethod ?? 'poll';
	if (value === 'poll' || value === 'webhook') return value;
	throw parameterError(ctx.getNode(), 0, 'Wait Method', `Expected "poll" or "webhook", got ${describeType(value)}`);
}
