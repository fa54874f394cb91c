/**
 * The local WaveSpeed server's model catalogue: a few models with their JSON request schemas (two image models with
 * different inputs, a video model, an audio model), submits checked against those schemas, price quotes on both
 * routes, video/audio outputs, and switches for what a real catalogue does to its users: an outage (500, or no answer),
 * a model it does not list, an api_path that is not where clients submit, a quote route that is not there. Only node:
 * built-ins, and only erasable TypeScript, so Node 24 can run it as is.
 */
import type { ServerResponse } from 'node:http';

import { makePlaceholderPng } from '../placeholderPng.ts';
import { sendEnvelope } from './faults.ts';

export type MediaKind = 'image' | 'video' | 'audio';

export interface FakeModel {
	model_id: string;
	name: string;
	type: string;
	base_price: number;
	description: string;
	output: MediaKind;
	/** Price per run for these inputs; undefined: the quote route answers 400 for this model. */
	quote?: (inputs: Record<string, unknown>) => number;
	request_schema: {
		type: 'object';
		properties: Record<string, Record<string, unknown>>;
		required: string[];
		'x-order-properties': string[];
	};
}

const OPTION_PROPERTIES = {
	enable_sync_mode: { type: 'boolean', default: false, description: 'Hold the request until the task ends' },
	enable_base64_output: { type: 'boolean', default: false, description: 'Outputs as base64 instead of URLs' },
};

export const FAKE_MODELS: FakeModel[] = [
	{
		model_id: 'wavespeed-ai/image-upscaler',
		name: 'Image Upscaler',
		type: 'image-to-image',
		base_price: 0.01,
		description: 'Upscales an image to 2k, 4k or 8k',
		output: 'image',
		quote: (inputs) => ({ '2k': 0.01, '4k': 0.01, '8k': 0.02 })[String(inputs.target_resolution ?? '4k')] ?? 0.01,
		request_schema: {
			type: 'object',
			properties: {
				image: { type: 'string', description: 'The image to upscale', 'x-ui-component': 'uploader' },
				target_resolution: { type: 'string', enum: ['2k', '4k', '8k'], default: '4k' },
				output_format: { type: 'string', enum: ['png', 'jpeg', 'webp'], default: 'png' },
				...OPTION_PROPERTIES,
			},
			required: ['image'],
			'x-order-properties': ['image', 'target_resolution', 'output_format', 'enable_base64_output', 'enable_sync_mode'],
		},
	},
	{
		model_id: 'bytedance/seedream-v4/edit',
		name: 'Seedream V4 Edit',
		type: 'image-to-image',
		base_price: 0.027,
		description: 'Edits up to 10 reference images with a prompt',
		output: 'image',
		quote: () => 0.027,
		request_schema: {
			type: 'object',
			properties: {
				prompt: { type: 'string', description: 'What to change' },
				images: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 10, 'x-ui-component': 'uploaders' },
				size: { type: 'string', default: '2048*2048', description: 'width*height' },
				seed: { type: 'integer', default: -1, minimum: -1, maximum: 2147483647 },
				max_images: { type: 'integer', default: 1, minimum: 1, maximum: 4 },
				...OPTION_PROPERTIES,
			},
			required: ['prompt', 'images'],
			'x-order-properties': ['prompt', 'images', 'size', 'seed', 'max_images', 'enable_base64_output', 'enable_sync_mode'],
		},
	},
	{
		model_id: 'wavespeed-ai/wan-2.2/i2v-480p',
		name: 'WAN 2.2 Image-to-Video 480p',
		type: 'image-to-video',
		base_price: 0.15,
		description: 'A short video from an image and a prompt',
		output: 'video',
		quote: (inputs) => Number((0.15 * (Number(inputs.duration ?? 5) / 5)).toFixed(4)),
		request_schema: {
			type: 'object',
			properties: {
				image: { type: 'string', description: 'The first frame', 'x-ui-component': 'uploader' },
				prompt: { type: 'string' },
				duration: { type: 'integer', enum: [5, 8], default: 5 },
				seed: { type: 'integer', default: -1, minimum: -1, maximum: 2147483647 },
				enable_sync_mode: OPTION_PROPERTIES.enable_sync_mode,
			},
			required: ['image', 'prompt'],
			'x-order-properties': ['image', 'prompt', 'duration', 'seed', 'enable_sync_mode'],
		},
	},
	{
		model_id: 'wavespeed-ai/sound-effects',
		name: 'Sound Effects',
		type: 'text-to-audio',
		base_price: 0.005,
		description: 'A sound effect from a prompt (no price quote: the catalogue price is the estimate)',
		output: 'audio',
		request_schema: {
			type: 'object',
			properties: { prompt: { type: 'string' }, duration_seconds: { type: 'number', minimum: 0.5, maximum: 22 } },
			required: ['prompt'],
			'x-order-properties': ['prompt', 'duration_seconds'],
		},
	},
];

export function findModelByPath(path: string): FakeModel | undefined {
	return FAKE_MODELS.find((model) => path === `/api/v3/${model.model_id}`);
}

export function findModel(modelId: unknown): FakeModel | undefined {
	return FAKE_MODELS.find((model) => model.model_id === modelId);
}

export type QuoteRoute = 'pricing' | 'price';

/** What the catalogue and the quote routes do; reset to these defaults after each test. */
export interface CatalogueSwitches {
	/**
	 * `GET /api/v3/models` fails: answers this status, or 'hang' (no answer at all, until the client gives up). An
	 * outage that ends after N requests is a fault rule with `times` (./faults.ts).
	 */
	down?: { answer: number | 'hang' };
	/** Model ids the catalogue leaves out. They still run: WaveSpeed runs models its catalogue does not (yet) list. */
	omit: string[];
	/** The `api_path` the catalogue gives a model (clients submit to /api/v3/{model_id} whatever it says). */
	apiPathOf: (modelId: string) => string;
	/** A quote route that is not there answers this status (a gateway without it). */
	missingQuoteRoutes: Partial<Record<QuoteRoute, 404 | 405>>;
	/**
	 * GPT Image 2's quote (the models the catalogue here does not list): by default WaveSpeed's published list; a
	 * number quotes that for every quality and resolution; 'none' answers 400 (no quote for this model).
	 */
	gptImage2Quote: 'list' | number | 'none';
}

/** WaveSpeed's published GPT Image 2 prices (USD per run), by quality then resolution. */
const GPT_IMAGE_2_LIST: Record<string, Record<string, number>> = {
	low: { '1k': 0.03, '2k': 0.06, '4k': 0.09 },
	medium: { '1k': 0.06, '2k': 0.12, '4k': 0.18 },
	high: { '1k': 0.22, '2k': 0.44, '4k': 0.66 },
};

function quoteGptImage2(inputs: Record<string, unknown>, switches: CatalogueSwitches): number | undefined {
	const { gptImage2Quote } = switches;
	if (gptImage2Quote === 'none') return undefined;
	if (typeof gptImage2Quote === 'number') return gptImage2Quote;
	return GPT_IMAGE_2_LIST[String(inputs.quality ?? 'medium')]?.[String(inputs.resolution ?? '1k')];
}

export function createCatalogueSwitches(): CatalogueSwitches {
	return { omit: [], apiPathOf: (modelId) => `/api/v3/${modelId}`, missingQuoteRoutes: {}, gptImage2Quote: 'list' };
}

/** `GET /api/v3/models` as WaveSpeed answers it, or as the switches make it fail. */
export function answerCatalogue(res: ServerResponse, baseUrl: string, switches: CatalogueSwitches): void {
	const { down } = switches;
	if (down) {
		if (down.answer === 'hang') return; // the server's close() ends the socket
		return sendEnvelope(res, down.answer, null, ({ 403: 'Forbidden', 500: 'Internal server error' } as Record<number, string>)[down.answer] ?? 'Service unavailable');
	}
	const listed = FAKE_MODELS.filter((model) => !switches.omit.includes(model.model_id));
	sendEnvelope(
		res,
		200,
		listed.map((model) => ({
			model_id: model.model_id,
			name: model.name,
			type: model.type,
			base_price: model.base_price,
			description: model.description,
			api_schema: {
				api_schemas: [
					{ type: 'model_run', method: 'POST', server: baseUrl, api_path: switches.apiPathOf(model.model_id), request_schema: model.request_schema },
				],
			},
		})),
	);
}

/**
 * The free price quote, `{model_id, inputs}` on either route: `POST /api/v3/model/pricing` → `{model_id, unit_price,
 * currency}` (WaveSpeed's docs), `POST /api/v3/model/price` → `{price, currency}` (WaveSpeed's MCP server). An unknown
 * model answers 404; a model without a quote 400.
 */
export function answerQuote(res: ServerResponse, route: QuoteRoute, json: Record<string, unknown> | undefined, switches: CatalogueSwitches): void {
	const missing = switches.missingQuoteRoutes[route];
	if (missing) return sendEnvelope(res, missing, null, missing === 404 ? 'Not Found' : 'Method Not Allowed');
	const inputs = json?.inputs && typeof json.inputs === 'object' ? (json.inputs as Record<string, unknown>) : {};
	const modelId = String(json?.model_id);
	const model = findModel(modelId);
	const isGptImage2 = modelId === 'openai/gpt-image-2/edit' || modelId === 'openai/gpt-image-2/text-to-image';
	if (!model && !isGptImage2) return sendEnvelope(res, 404, null, `model ${modelId} not found`);
	const usd = model ? model.quote?.(inputs) : quoteGptImage2(inputs, switches);
	if (usd === undefined) return sendEnvelope(res, 400, null, 'price quote not available for this model');
	sendEnvelope(res, 200, route === 'pricing' ? { model_id: modelId, unit_price: usd, currency: 'USD' } : { model_id: modelId, price: usd, currency: 'USD' });
}

/**
 * Checks a submit as strictly as a model's schema allows: required fields, types, enums, ranges, and media URLs that
 * can be downloaded. Unknown fields are dropped silently, as WaveSpeed does, and reported so tests can see them.
 */
export function checkModelSubmit(
	model: FakeModel,
	body: Record<string, unknown>,
	canDownload: (url: string) => boolean,
): { problem: string } | { dropped: string[] } {
	const { properties, required } = model.request_schema;
	for (const field of required) if (body[field] === undefined) return { problem: `${field} is required` };
	const dropped: string[] = [];
	for (const [field, value] of Object.entries(body)) {
		const property = properties[field];
		if (!property) {
			dropped.push(field);
			continue;
		}
		const problem = checkValue(field, property, value, canDownload);
		if (problem) return { problem };
	}
	return { dropped };
}

function checkValue(field: string, property: Record<string, unknown>, value: unknown, canDownload: (url: string) => boolean): string | undefined {
	const type = property.type;
	if (value === null || value === '') return `${field} must be omitted rather than empty`;
	if (type === 'string' && typeof value !== 'string') return `${field} must be a string`;
	if (type === 'integer' && !Number.isInteger(value)) return `${field} must be an integer`;
	if (type === 'number' && typeof value !== 'number') return `${field} must be a number`;
	if (type === 'boolean' && typeof value !== 'boolean') return `${field} must be a boolean`;
	if (Array.isArray(property.enum) && !property.enum.includes(value)) return `${field} must be one of ${property.enum.join(', ')}`;
	if (typeof value === 'number' && typeof property.minimum === 'number' && value < property.minimum) return `${field} is below ${property.minimum}`;
	if (typeof value === 'number' && typeof property.maximum === 'number' && value > property.maximum) return `${field} is above ${property.maximum}`;
	if (type === 'array') {
		if (!Array.isArray(value)) return `${field} must be an array`;
		if (typeof property.minItems === 'number' && value.length < property.minItems) return `${field}: at least ${property.minItems}`;
		if (typeof property.maxItems === 'number' && value.length > property.maxItems) return `${field}: at most ${property.maxItems}`;
	}
	const isMedia = /upload/.test(String(property['x-ui-component'] ?? ''));
	for (const url of isMedia ? (Array.isArray(value) ? value : [value]) : []) {
		if (typeof url !== 'string' || !canDownload(url)) return `failed to download ${field}: ${String(url)}`;
	}
	return undefined;
}

/** A minimal MP4 (ftyp + mdat): enough for any player's sniffing, marked as coming from the test server. */
function makePlaceholderMp4(seed: string): Buffer {
	const box = (type: string, payload: Buffer) => {
		const head = Buffer.alloc(8);
		head.writeUInt32BE(8 + payload.length);
		head.write(type, 4, 'latin1');
		return Buffer.concat([head, payload]);
	};
	const ftyp = box('ftyp', Buffer.from('isom\0\0\x02\0isomiso2mp41', 'latin1'));
	return Buffer.concat([ftyp, box('mdat', Buffer.from(`PLACEHOLDER video from the local WaveSpeed test server: ${seed}`))]);
}

/** A minimal MP3: an ID3v2 header with a comment, then one silent MPEG frame header. */
function makePlaceholderMp3(seed: string): Buffer {
	const text = Buffer.from(`PLACEHOLDER audio from the local WaveSpeed test server: ${seed}`);
	const id3 = Buffer.from([0x49, 0x44, 0x33, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]);
	return Buffer.concat([id3, Buffer.from([0xff, 0xfb, 0x90, 0x64]), text]);
}

export const MEDIA_FILES: Record<MediaKind, { extension: string; contentType: string }> = {
	image: { extension: 'png', contentType: 'image/png' },
	video: { extension: 'mp4', contentType: 'video/mp4' },
	audio: { extension: 'mp3', contentType: 'audio/mpeg' },
};

/** The bytes of a non-image output (images are made by the server's own PNG renderer, size options and all). */
export function renderMedia(kind: MediaKind, seed: string): Buffer {
	if (kind === 'video') return makePlaceholderMp4(seed);
	if (kind === 'audio') return makePlaceholderMp3(seed);
	return makePlaceholderPng({ seed });
}
