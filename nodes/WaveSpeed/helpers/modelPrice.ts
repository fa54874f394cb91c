import type { IDataObject } from 'n8n-workflow';

import { apiRequest, getHttpStatus } from '../transport';
import type { ApiContext } from '../transport';
import { getAccountKey } from './catalogue';
import type { Quality, Resolution } from './model';
import { estimateCostUsd } from './model';

/**
 * WaveSpeed's free price quote for a model and its inputs. Public sources show two routes: `POST /api/v3/model/pricing`
 * → `{unit_price, currency}` (WaveSpeed's docs) and `POST /api/v3/model/price` → `{price, discounted_price?, currency?}`
 * (WaveSpeed's MCP server), both with the body `{model_id, inputs}`. Both shapes are read from either route; a route
 * that answers 404 or 405 is not there, and the other is tried. Which one answers is learnt per account.
 */
export const PRICING_PATH = '/api/v3/model/pricing';
export const PRICE_PATH = '/api/v3/model/price';
type QuoteRoute = typeof PRICING_PATH | typeof PRICE_PATH;

/** A quote is a nicety: it never holds an item up for long. */
const QUOTE_WAIT_MS = 15_000;
/** A learnt route is asked first for this long; then both are tried again in order (a gateway may gain the other). */
const ROUTE_MEMORY_MS = 60 * 60_000;

/** Where `estimatedCostUsd` came from: WaveSpeed's quote, the catalogue's floor price, or our GPT Image 2 price table. */
export type CostSource = 'quote' | 'catalogue' | 'table';

export interface QuoteCall {
	itemIndex: number;
	signal?: AbortSignal;
	/** The item's deadline (epoch ms): the quote gives up by then, and after 15 s in any case. */
	deadlineMs: number;
}

/** Per account (hash of base URL and key), per process: the route that answered, until when it is asked first. */
const learntRoutes = new Map<string, { route: QuoteRoute; expiresAtMs: number }>();
/** The account's first quote while no route is known: the others wait for it, so a missing route is asked once. */
const firstQuotes = new Map<string, Promise<unknown>>();

/**
 * What WaveSpeed quotes, in USD, for one run of `modelId` with `inputs` (the discounted price where it gives one), or
 * undefined when no route quotes it (unknown model, route missing, outage, another currency). Never throws.
 */
export async function quotePriceUsd(ctx: ApiContext, modelId: string, inputs: IDataObject, call: QuoteCall): Promise<number | undefined> {
	const account = await getAccountKey(ctx, call.itemIndex).catch(() => '');
	const learnt = () => {
		const entry = learntRoutes.get(account);
		return entry && entry.expiresAtMs > Date.now() ? entry.route : undefined;
	};
	// Awaited only where there is one: a needless await would let the batch's other first quotes slip in before this one.
	const firstQuote = learnt() ? undefined : firstQuotes.get(account);
	if (firstQuote) await firstQuote;
	const deadlineMs = Math.min(call.deadlineMs, Date.now() + QUOTE_WAIT_MS);
	const quote = askRoutes(ctx, account, learnt(), { model_id: modelId, inputs }, { ...call, deadlineMs });
	if (!learnt() && !firstQuotes.has(account)) {
		const settled = quote.catch(() => undefined);
		firstQuotes.set(account, settled);
		void settled.then(() => firstQuotes.delete(account));
	}
	return await quote;
}

async function askRoutes(ctx: ApiContext, account: string, learnt: QuoteRoute | undefined, body: IDataObject, call: QuoteCall): Promise<number | undefined> {
	const routes: QuoteRoute[] = learnt === PRICE_PATH ? [PRICE_PATH, PRICING_PATH] : [PRICING_PATH, PRICE_PATH];
	for (const route of routes) {
		const answer = await apiRequest<unknown>(ctx, {
			method: 'POST',
			path: route,
			// Free and changes nothing: as safe to repeat as a read.
			kind: 'read',
			body,
			itemIndex: call.itemIndex,
			signal: call.signal,
			deadlineMs: call.deadlineMs,
		}).then(
			(data) => ({ data }),
			(error: unknown) => ({ status: getHttpStatus(error) }),
		);
		if ('status' in answer && (answer.status === 404 || answer.status === 405)) continue;
		// The route is there (a quote, or a refusal for this model): ask it first from now on.
		if ('data' in answer || answer.status !== undefined) learntRoutes.set(account, { route, expiresAtMs: Date.now() + ROUTE_MEMORY_MS });
		return 'data' in answer ? readQuoteUsd(answer.data) : undefined;
	}
	return undefined;
}

/** What the account pays: the discounted price where WaveSpeed gives one. A quote in another currency is not used. */
export function readQuoteUsd(quote: unknown): number | undefined {
	if (!quote || typeof quote !== 'object') return undefined;
	const { currency, discounted_price, unit_price, price } = quote as Record<string, unknown>;
	if (currency !== undefined && currency !== null && String(currency).toUpperCase() !== 'USD') return undefined;
	for (const value of [discounted_price, unit_price, price]) {
		const usd = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
		if (Number.isFinite(usd) && usd >= 0) return usd;
	}
	return undefined;
}

/**
 * Run Model's cost fields: the quote (`costSource: "quote"`), else the catalogue's base price where the catalogue lists
 * the model (`"catalogue"`, the model's floor price), else no estimate and a `costNote` saying so. Never fails the item.
 */
export async function estimateModelCost(
	ctx: ApiContext,
	model: { modelId: string; basePriceUsd?: number },
	inputs: IDataObject,
	call: QuoteCall,
): Promise<IDataObject> {
	const quotedUsd = await quotePriceUsd(ctx, model.modelId, inputs, call);
	if (quotedUsd !== undefined) return { estimatedCostUsd: quotedUsd, costSource: 'quote' satisfies CostSource };
	if (model.basePriceUsd !== undefined) return { estimatedCostUsd: model.basePriceUsd, costSource: 'catalogue' satisfies CostSource };
	return { costNote: 'No estimate: WaveSpeed gave no price quote for these inputs, and its catalogue no price for this model' };
}

/** Per node run (its context object), per account, model, quality and resolution: the quote asked, or its answer. */
const imageQuotes = new WeakMap<object, Map<string, Promise<number | undefined>>>();

/**
 * Edit and Generate's cost fields: WaveSpeed's quote (`costSource: "quote"`), else our copy of its GPT Image 2 price
 * list (`"table"`, an estimate: WaveSpeed's pages do not all agree with it). WaveSpeed prices GPT Image 2 by quality
 * and resolution only, so a node run asks once per pair (and, for an edit, once more if it first asked without image
 * URLs), whatever its batch size. Never throws, and never holds the
 * item up past 15 s.
 */
export async function estimateImageCost(
	ctx: ApiContext,
	model: { modelId: string; quality: Quality; resolution: Resolution },
	inputs: IDataObject,
	call: QuoteCall,
): Promise<IDataObject> {
	const account = await getAccountKey(ctx, call.itemIndex).catch(() => '');
	// Asked before the uploads (money guards) an edit may have no image URL yet: a quote refused for that is asked again
	// once the URLs exist.
	const withImages = Array.isArray(inputs.images) && inputs.images.length > 0;
	const key = [account, model.modelId, model.quality, model.resolution, withImages].join('|');
	const asked = imageQuotes.get(ctx) ?? new Map<string, Promise<number | undefined>>();
	imageQuotes.set(ctx, asked);
	// Not tied to one item's signal: the other items of the run wait for the same answer.
	const quote = asked.get(key) ?? quotePriceUsd(ctx, model.modelId, inputs, { itemIndex: call.itemIndex, deadlineMs: call.deadlineMs });
	asked.set(key, quote);
	const quotedUsd = await quote;
	if (quotedUsd !== undefined) return { estimatedCostUsd: quotedUsd, costSource: 'quote' satisfies CostSource };
	return { estimatedCostUsd: estimateCostUsd(model.quality, model.resolution), costSource: 'table' satisfies CostSource };
}
