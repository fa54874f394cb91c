import { createHash } from 'node:crypto';

import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { apiRequest } from '../transport';
import { readCredential } from '../transport/credential';
import type { ApiContext } from '../transport';
import type { RequestSchema } from './requestSchema';
import { parseRequestSchema } from './requestSchema';

/**
 * WaveSpeed's model catalogue (`GET /api/v3/models`), read defensively: its shape beyond a few fields is undocumented.
 * It is a convenience (the editor's list, the inputs form, schema checks): a run needs only `POST /api/v3/{model_id}`,
 * so a run goes on without it (see findRunModel).
 */

export const MODELS_PATH = '/api/v3/models';
/** The editor's list is kept this long per account; WaveSpeed's own CLI keeps it for an hour. */
export const EDITOR_CACHE_MS = 5 * 60_000;
/** A run waits at most this long for the catalogue (and never past the item's Timeout) before it goes on without. */
export const RUN_CATALOGUE_WAIT_MS = 20_000;
/**
 * The editor's model list and inputs form wait at most this long: a catalogue that never answers would otherwise
 * keep the list spinning for as long as the retries last (minutes). Its error says so, and the next open asks again.
 */
export const EDITOR_CATALOGUE_WAIT_MS = 20_000;

export interface CatalogueModel {
	modelId: string;
	name: string;
	type: string;
	description?: string;
	basePriceUsd?: number;
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

/** Where a run is submitted. Every official client uses /api/v3/{model_id}, never the catalogue's `api_path`. */
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
		const basePrice = Number(entry.base_price);
		catalogue.set(entry.model_id, {
			modelId: entry.model_id,
			name: typeof entry.name === 'string' && entry.name ? entry.name : entry.model_id,
			type: typeof entry.type === 'string' ? entry.type : '',
			...(typeof entry.description === 'string' ? { description: entry.description } : {}),
			...(entry.base_price !== undefined && Number.isFinite(basePrice) && basePrice >= 0 ? { basePriceUsd: basePrice } : {}),
			schema: isRecord(run) ? parseRequestSchema(run.request_schema) : undefined,
		});
	}
	return catalogue;
}

/**
 * The transport's error, saying that the catalogue failed ("WaveSpeed's model catalogue answered 500 …"), so it is
 * not taken for a failure of the task itself.
 */
export function describeCatalogueFailure(error: unknown): string {
	const message = error instanceof Error ? error.message : String(error);
	if (message.startsWith("WaveSpeed's model catalogue")) return message;
	return message.startsWith('WaveSpeed ') ? `WaveSpeed's model catalogue ${message.slice('WaveSpeed '.length)}` : `WaveSpeed's model catalogue could not be read: ${message}`;
}

/**
 * The catalogue, or an error (with the transport's type and HTTP status) whose message names the catalogue, and the
 * wait when `namedWaitMs` is given and the read ran out of it ("did not answer within 20 s").
 */
export async function fetchCatalogue(ctx: IExecuteFunctions, options: { deadlineMs: number; namedWaitMs?: number }): Promise<Catalogue> {
	let data: unknown;
	try {
		data = await apiRequest<unknown>(ctx, { method: 'GET', path: MODELS_PATH, kind: 'read', itemIndex: 0, deadlineMs: options.deadlineMs });
	} catch (error) {
		const ranOut = options.namedWaitMs !== undefined && Date.now() >= options.deadlineMs;
		throw asCatalogueError(ctx, error, ranOut ? options.namedWaitMs : undefined);
	}
	const catalogue = parseCatalogue(data);
	// An answer without one readable model is a changed or broken reply, not an empty catalogue.
	if (catalogue.size === 0) throw new NodeOperationError(ctx.getNode(), "WaveSpeed's model catalogue answered without any model this node can read");
	return catalogue;
}

/** The transport's error as it is (type, HTTP status, description), its message naming the catalogue (and the wait). */
function asCatalogueError(ctx: IExecuteFunctions, error: unknown, waitedMs?: number): NodeApiError | NodeOperationError {
	const failure = describeCatalogueFailure(error);
	const message =
		waitedMs === undefined ? failure : `WaveSpeed's model catalogue did not answer within ${Math.round(waitedMs / 1000)} s (${failure.replace(/^WaveSpeed's model catalogue /, '')})`;
	if (error instanceof NodeApiError || error instanceof NodeOperationError) {
		error.message = message;
		return error;
	}
	return new NodeOperationError(ctx.getNode(), message);
}

/** A run's view of the model: its catalogue entry (schema and price), or why there is none (the run goes on unchecked). */
export type RunModelLookup = { model: CatalogueModel } | { modelId: string; uncheckedBecause: string };

/** Successes, per node run (the input items, the same array on every Retry On Fail try): read at most once a run. */
const perRun = new WeakMap<object, Catalogue>();
/**
 * This try's read, failed or not (n8n makes a new context for every try): every item of the try shares one read,
 * and a failure is not kept for the next try, which reads again.
 */
const perTry = new WeakMap<object, Promise<Catalogue>>();

/**
 * The model as the catalogue lists it, or, where the catalogue cannot be read or does not list it, why not: WaveSpeed
 * adds models before its catalogue shows them, and some accounts see models others do not. Never fails.
 */
export async function findRunModel(ctx: IExecuteFunctions, modelId: string, waitMs: number): Promise<RunModelLookup> {
	const runKey = ctx.getInputData();
	let read: Promise<Catalogue> | undefined;
	const known = perRun.get(runKey);
	if (known) read = Promise.resolve(known);
	else {
		read = perTry.get(ctx);
		if (!read) {
			read = fetchCatalogue(ctx, { deadlineMs: Date.now() + Math.min(waitMs, RUN_CATALOGUE_WAIT_MS) });
			perTry.set(ctx, read);
			read.then((catalogue) => perRun.set(runKey, catalogue)).catch(() => {});
		}
	}
	try {
		const model = (await read).get(modelId);
		return model ? { model } : { modelId, uncheckedBecause: `WaveSpeed's model catalogue does not list "${modelId}"` };
	} catch (error) {
		return { modelId, uncheckedBecause: describeCatalogueFailure(error) };
	}
}

/** Who is asking, for per-account memory: a hash of base URL and key (the key itself is not kept). */
export async function getAccountKey(ctx: ApiContext, itemIndex = 0): Promise<string> {
	const credentials = (await readCredential(ctx, itemIndex)).data ?? {};
	return createHash('sha256').update(`${String(credentials.baseUrl)}\n${String(credentials.apiKey)}`).digest('hex');
}

/** The editor's list and field forms, per account; a failed read is not kept. */
const forEditor = new Map<string, { expiresAtMs: number; catalogue: Promise<Catalogue> }>();

export async function getEditorCatalogue(ctx: IExecuteFunctions): Promise<Catalogue> {
	const account = await getAccountKey(ctx);
	const nowMs = Date.now();
	for (const [key, entry] of forEditor) if (entry.expiresAtMs <= nowMs) forEditor.delete(key);
	let entry = forEditor.get(account);
	if (!entry) {
		entry = { expiresAtMs: nowMs + EDITOR_CACHE_MS, catalogue: fetchCatalogue(ctx, { deadlineMs: nowMs + EDITOR_CATALOGUE_WAIT_MS, namedWaitMs: EDITOR_CATALOGUE_WAIT_MS }) };
		forEditor.set(account, entry);
		entry.catalogue.catch(() => forEditor.delete(account));
	}
	return await entry.catalogue;
}

