import type { IDataObject } from 'n8n-workflow';

import { apiRequest, getHttpStatus } from '../transport';
import { sleepUnlessAborted } from '../transport/sleep';
import type { ApiContext } from '../transport';
import { getAccountKey } from '../models/catalogue';
import type { Quality, Resolution } from '../models/model';
import { estimateCostUsd } from '../models/model';

/**
 * WaveSpeed's free price quote for a model and its inputs. Public sources show two routes: `POST /api/v3/model/pricing`
 * → `{unit_price, currency}` (WaveSpeed's docs) and `POST /api/v3/model/price` → `{price, discounted_price?, currency?}`
 * (WaveSpeed's MCP server), both with the body `{model_id, inputs}`. Both shapes are read from either route; a route
 * that answers 404 or 405 is not there, and the other is tried. Which one answers is learnt per account.
 */
export const PRICING_PATH = '/api/v3/model/pricing';
export const PRICE_PATH = '/api/v3/model/price';
type QuoteRoute = typeof PRICING_PATH | typeof PRICE_PATH;

/** A quote is a nicety: it never holds an item, or the money guards' whole batch, up for longer than this. */
export const QUOTE_WAIT_MS = 15_000;
/** A route is not asked with less time than this left (after another route used the wait up, say). */
const MIN_ROUTE_WAIT_MS = 500;
/** A learnt route is asked first for this long; then both are tried again in order (a gateway may gain the other). */
const ROUTE_MEMORY_MS = 60 * 60_000;

/** Where `estimatedCostUsd` came from: WaveSpeed's quote, the catalogue's floor price, or our GPT Image 2 price table. */
export type CostSource = 'quote' | 'catalogue' | 'table';

export interface QuoteCall {
	itemIndex: number;
	signal?: AbortSignal;
	/** When the asker stops waiting (epoch ms): the item's deadline, or the money guards' one wait for the batch. */
	deadlineMs: number;
}

/** A quote, or why there is none: WaveSpeed gave none ('none'), or no route answered before the deadline ('noAnswer'). */
type QuoteAnswer = { usd: number } | { missing: 'none' | 'noAnswer' };

/** Per account (hash of base URL and key), per process: the route that answered, until when it is asked first. */
const learntRoutes = new Map<string, { route: QuoteRoute; expiresAtMs: number }>();
/** The account's first quote while no route is known: the others wait for it, so a missing route is asked once. */
const firstQuotes = new Map<string, Promise<unknown>>();

/**
 * What one node run (its context object: the money guards and every item's execute share it) has asked: each quote
 * once per model and priced inputs, the answer shared by every item that asks the same, and the routes that gave no
 * answer (no reply in time, no connection): they are not asked again in the run, so a route that hangs costs the run
 * one wait, not one per item.
 */
interface RunQuotes {
	answers: Map<string, Promise<QuoteAnswer>>;
	unansweredRoutes: Set<QuoteRoute>;
}
const runQuotes = new WeakMap<object, RunQuotes>();

function getRunQuotes(ctx: ApiContext): RunQuotes {
	let run = runQuotes.get(ctx);
	if (!run) runQuotes.set(ctx, (run = { answers: new Map(), unansweredRoutes: new Set() }));
	return run;
}

/**
 * What WaveSpeed quotes, in USD, for one run of `modelId` with `inputs` (the discounted price where it gives one), or
 * undefined when no route quotes it (unknown model, route missing, outage, another currency). Never throws.
 */
export async function quotePriceUsd(ctx: ApiContext, modelId: string, inputs: IDataObject, call: QuoteCall): Promise<number | undefined> {
	const answer = await askQuote(ctx, modelId, inputs, call);
	return 'usd' in answer ? answer.usd : undefined;
}

async function askQuote(ctx: ApiContext, modelId: string, inputs: IDataObject, call: QuoteCall): Promise<QuoteAnswer> {
	const account = await getAccountKey(ctx, call.itemIndex).catch(() => '');
	const learnt = () => {
		const entry = learntRoutes.get(account);
		return entry && entry.expiresAtMs > Date.now() ? entry.route : undefined;
	};
	// Awaited only where there is one: a needless await would let the batch's other first quotes slip in before this one.
	const firstQuote = learnt() ? undefined : firstQuotes.get(account);
	if (firstQuote) await settleBy(firstQuote, call.deadlineMs);
	const deadlineMs = Math.min(call.deadlineMs, Date.now() + QUOTE_WAIT_MS);
	const quote = askRoutes(ctx, account, learnt(), { model_id: modelId, inputs }, { ...call, deadlineMs });
	if (!learnt() && !firstQuotes.has(account)) {
		const settled = quote.catch(() => undefined);
		firstQuotes.set(account, settled);
		void settled.then(() => firstQuotes.delete(account));
	}
	return await quote;
}

/**
 * The run's answer for `key` (see RunQuotes): asked by the first caller, awaited by each until its own deadline (an
 * item whose Timeout ends first stops waiting and gets no quote; the others still get the answer).
 */
async function askOncePerRun(ctx: ApiContext, key: string, call: QuoteCall, ask: () => Promise<QuoteAnswer>): Promise<QuoteAnswer> {
	const { answers } = getRunQuotes(ctx);
	const asked = answers.get(key);
	// The asker's own deadline bounds the request itself: it waits for the outcome (and so for a route that hung to be
	// noted as such before its next quote).
	if (asked) return (await settleBy(asked, call.deadlineMs)) ?? { missing: 'noAnswer' };
	const answer = ask().catch((): QuoteAnswer => ({ missing: 'noAnswer' }));
	answers.set(key, answer);
	return await answer;
}

/** The promise's value, or undefined once `deadlineMs` has passed first. */
async function settleBy<T>(promise: Promise<T>, deadlineMs: number): Promise<T | undefined> {
	const settled = new AbortController();
	const late = sleepUnlessAborted(deadlineMs - Date.now(), settled.signal).then(() => undefined);
	try {
		return await Promise.race([promise, late]);
	} finally {
		// Ends the timer's sleep (within a second on n8n-workflow 1.x, whose sleep ignores the signal).
		settled.abort();
	}
}

/** Stable for equal inputs whatever their key order: the per-run key of a quote. */
function describeInputs(value: unknown): string {
	if (Array.isArray(value)) return `[${value.map(describeInputs).join(',')}]`;
	if (value && typeof value === 'object') {
		const entries = Object.keys(value as object)
			.sort()
			.map((key) => `${JSON.stringify(key)}:${describeInputs((value as Record<string, unknown>)[key])}`);
		return `{${entries.join(',')}}`;
	}
	return JSON.stringify(value) ?? 'undefined';
}

async function askRoutes(ctx: ApiContext, account: string, learnt: QuoteRoute | undefined, body: IDataObject, call: QuoteCall): Promise<QuoteAnswer> {
	const { unansweredRoutes } = getRunQuotes(ctx);
	const routes: QuoteRoute[] = learnt === PRICE_PATH ? [PRICE_PATH, PRICING_PATH] : [PRICING_PATH, PRICE_PATH];
	let unanswered = false;
	for (const route of routes) {
		// Not asked again in this run: it gave no answer before (a route that hangs would cost every item a wait).
		if (unansweredRoutes.has(route)) {
			unanswered = true;
			continue;
		}
		// Too near the deadline nothing is sent: the route could not answer in time, and would be taken for one that hangs.
		if (call.deadlineMs - Date.now() < MIN_ROUTE_WAIT_MS || call.signal?.aborted) return { missing: 'noAnswer' };
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
		if ('status' in answer && answer.status === undefined) {
			// No HTTP answer after the transport's retries (no reply in time, no connection, an unreadable reply).
			if (!call.signal?.aborted) unansweredRoutes.add(route);
			unanswered = true;
			continue;
		}
		// The route is there (a quote, or a refusal for this model): ask it first from now on.
		learntRoutes.set(account, { route, expiresAtMs: Date.now() + ROUTE_MEMORY_MS });
		const usd = 'data' in answer ? readQuoteUsd(answer.data) : undefined;
		return usd === undefined ? { missing: 'none' } : { usd };
	}
	return { missing: unanswered ? 'noAnswer' : 'none' };
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

/** What an output says when no quote answered in time and the estimate is a stand-in. */
function describeNoAnswer(waitedMs: number, estimate: string): string {
	return `WaveSpeed's price quote did not answer within ${Math.round(waitedMs / 1000)} s: the estimate is ${estimate}`;
}

/**
 * Run Model's cost fields: the quote (`costSource: "quote"`), else the catalogue's base price where the catalogue lists
 * the model (`"catalogue"`, the model's floor price; with a `costNote` when the quote did not answer in time), else no
 * estimate and a `costNote` saying so. Asked once per node run for a model and its inputs: every item with the same
 * inputs (and the output after the money guards asked) shares the answer. Never fails the item.
 */
export async function estimateModelCost(
	ctx: ApiContext,
	model: { modelId: string; basePriceUsd?: number },
	inputs: IDataObject,
	call: QuoteCall,
): Promise<IDataObject> {
	const waitMs = Math.min(QUOTE_WAIT_MS, Math.max(0, call.deadlineMs - Date.now()));
	const account = await getAccountKey(ctx, call.itemIndex).catch(() => '');
	const key = ['model', account, model.modelId, describeInputs(inputs)].join('|');
	const answer = await askOncePerRun(ctx, key, call, async () => await askQuote(ctx, model.modelId, inputs, call));
	if ('usd' in answer) return { estimatedCostUsd: answer.usd, costSource: 'quote' satisfies CostSource };
	const timedOut = answer.missing === 'noAnswer';
	if (model.basePriceUsd !== undefined) {
		const note = timedOut ? { costNote: describeNoAnswer(waitMs, "the catalogue's base price (the model's floor price)") } : {};
		return { estimatedCostUsd: model.basePriceUsd, costSource: 'catalogue' satisfies CostSource, ...note };
	}
	return {
		costNote: timedOut
			? `No estimate: WaveSpeed's price quote did not answer within ${Math.round(waitMs / 1000)} s, and its catalogue gives no price for this model`
			: 'No estimate: WaveSpeed gave no price quote for these inputs, and its catalogue no price for this model',
	};
}

/**
 * Edit and Generate's cost fields: WaveSpeed's quote (`costSource: "quote"`), else our copy of its GPT Image 2 price
 * list (`"table"`, an estimate: WaveSpeed's pages do not all agree with it; with a `costNote` when the quote did not
 * answer in time). WaveSpeed prices GPT Image 2 by quality and resolution only, so a node run asks once per pair (and,
 * for an edit, once more if it first asked without image URLs), whatever its batch size. Never throws, and never
 * holds the item up past its deadline or 15 s.
 */
export async function estimateImageCost(
	ctx: ApiContext,
	model: { modelId: string; quality: Quality; resolution: Resolution },
	inputs: IDataObject,
	call: QuoteCall,
): Promise<IDataObject> {
	const waitMs = Math.min(QUOTE_WAIT_MS, Math.max(0, call.deadlineMs - Date.now()));
	const account = await getAccountKey(ctx, call.itemIndex).catch(() => '');
	// Asked before the uploads (money guards) an edit may have no image URL yet: a quote refused for that is asked again
	// once the URLs exist.
	const withImages = Array.isArray(inputs.images) && inputs.images.length > 0;
	const key = ['image', account, model.modelId, model.quality, model.resolution, withImages].join('|');
	// Not tied to one item's signal: the other items of the run wait for the same answer.
	const answer = await askOncePerRun(ctx, key, call, async () => await askQuote(ctx, model.modelId, inputs, { itemIndex: call.itemIndex, deadlineMs: call.deadlineMs }));
	if ('usd' in answer) return { estimatedCostUsd: answer.usd, costSource: 'quote' satisfies CostSource };
	const note = answer.missing === 'noAnswer' ? { costNote: describeNoAnswer(waitMs, "GPT Image 2's price table") } : {};
	return { estimatedCostUsd: estimateCostUsd(model.quality, model.resolution), costSource: 'table' satisfies CostSource, ...note };
}
