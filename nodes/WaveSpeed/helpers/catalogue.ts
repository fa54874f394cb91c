import { createHash } from 'node:crypto';

import type { IExecuteFunctions } from 'n8n-workflow';

import { apiRequest } from '../transport';
import type { RequestSchema } from './requestSchema';
import { parseRequestSchema } from './requestSchema';

/** WaveSpeed's model catalogue (`GET /api/v3/models`), read defensively: its shape beyond a few fields is undocumented. */

export const MODELS_PATH = '/api/v3/models';
export const PRICE_PATH = '/api/v3/model/price';
/** The editor's list is kept this long per account; WaveSpeed's own CLI keeps it for an hour. */
export const EDITOR_CACHE_MS = 5 * 60_000;

export interface CatalogueModel {
	modelId: string;
	name: string;
	type: string;
	description?: string;
	basePriceUsd?: number;
	/** Where a run is submitted: the schema's api_path, else /api/v3/{model_id}. */
	endpoint: string;
	schema?: RequestSchema;
}

export type Catalogue = Map<string, CatalogueModel>;

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Model ids are paths such as `bytedance/seedream-v4/edit`: nothing that could leave /api/v3/. */
export function isValidModelId(modelId: string): boolean {
	return /^[\w.-]+(\/[\w.-]+)*$/.test(modelId) && !modelId.split('/').some((part) => part === '.' || part === '..');
}

export function getModelEndpoint(modelId: string): string {
	return `/api/v3/${modelId}`;
}

export function parseCatalogue(data: unknown): Catalogue {
	const catalogue: Catalogue = new Map();
	const entries = Array.isArray(data) ? data : isRecord(data) && Array.isArray(data.items) ? data.items : [];
	for (const entry of entries) {
		if (!isRecord(entry) || typeof entry.model_id !== 'string' || !isValidModelId(entry.model_id)) continue;
		const schemas = isRecord(entry.api_schema) && Array.isArray(entry.api_schema.api_schemas) ? entry.api_schema.api_schemas : [];
		const run = (schemas.find((schema) => isRecord(schema) && schema.type === 'model_run') ?? schemas[0]) as unknown;
		const apiPath = isRecord(run) && typeof run.api_path === 'string' ? run.api_path : '';
		const basePrice = Number(entry.base_price);
		catalogue.set(entry.model_id, {
			modelId: entry.model_id,
			name: typeof entry.name === 'string' && entry.name ? entry.name : entry.model_id,
			type: typeof entry.type === 'string' ? entry.type : '',
			...(typeof entry.description === 'string' ? { description: entry.description } : {}),
			...(entry.base_price !== undefined && Number.isFinite(basePrice) && basePrice >= 0 ? { basePriceUsd: basePrice } : {}),
			// Only a path on the API's own host: the key goes nowhere else.
			endpoint: /^\/api\/v3\/[\w./-]+$/.test(apiPath) && !apiPath.includes('..') ? apiPath : getModelEndpoint(entry.model_id),
			schema: isRecord(run) ? parseRequestSchema(run.request_schema) : undefined,
		});
	}
	return catalogue;
}

export async function fetchCatalogue(ctx: IExecuteFunctions, itemIndex = 0, signal?: AbortSignal): Promise<Catalogue> {
	const data = await apiRequest<unknown>(ctx, { method: 'GET', path: MODELS_PATH, kind: 'read', itemIndex, signal });
	return parseCatalogue(data);
}

/** One fetch per node run, shared by every item (keyed by the run's input items, the same array for all of them). */
const perRun = new WeakMap<object, Promise<Catalogue>>();

export async function getRunCatalogue(ctx: IExecuteFunctions): Promise<Catalogue> {
	const key = ctx.getInputData();
	let catalogue = perRun.get(key);
	if (!catalogue) {
		// A failure is kept too: every item would get the same answer, and asking per item is what this avoids.
		catalogue = fetchCatalogue(ctx);
		perRun.set(key, catalogue);
	}
	return await catalogue;
}

/** The editor's list and field forms, per account (a hash of base URL and key: the key itself is not kept). */
const forEditor = new Map<string, { expiresAtMs: number; catalogue: Promise<Catalogue> }>();

export async function getEditorCatalogue(ctx: IExecuteFunctions): Promise<Catalogue> {
	const credentials = await ctx.getCredentials('waveSpeedAiApi');
	const account = createHash('sha256').update(`${String(credentials.baseUrl)}\n${String(credentials.apiKey)}`).digest('hex');
	const nowMs = Date.now();
	for (const [key, entry] of forEditor) if (entry.expiresAtMs <= nowMs) forEditor.delete(key);
	let entry = forEditor.get(account);
	if (!entry) {
		entry = { expiresAtMs: nowMs + EDITOR_CACHE_MS, catalogue: fetchCatalogue(ctx) };
		forEditor.set(account, entry);
		entry.catalogue.catch(() => forEditor.delete(account));
	}
	return await entry.catalogue;
}
