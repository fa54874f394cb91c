import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { apiRequest } from '../transport';
import type { CatalogueModel } from './catalogue';
import { PRICE_PATH } from './catalogue';

/** A quote is a nicety: it never holds an item up for long. */
const QUOTE_WAIT_MS = 15_000;

export type CostSource = 'quote' | 'catalogue';

interface PriceQuote {
	price?: unknown;
	discounted_price?: unknown;
	currency?: unknown;
}

/**
 * What one run should cost, in USD: WaveSpeed's free quote for these inputs (`POST /api/v3/model/price`), else the
 * catalogue's base price. Labelled with where it came from; never fails the item.
 */
export async function estimateModelCost(
	ctx: IExecuteFunctions,
	model: CatalogueModel,
	inputs: IDataObject,
	call: { itemIndex: number; signal?: AbortSignal; deadlineMs: number },
): Promise<IDataObject> {
	const quotedUsd = await apiRequest<PriceQuote>(ctx, {
		method: 'POST',
		path: PRICE_PATH,
		// Free and changes nothing: as safe to repeat as a read.
		kind: 'read',
		body: { model_id: model.modelId, inputs },
		itemIndex: call.itemIndex,
		signal: call.signal,
		deadlineMs: Math.min(call.deadlineMs, Date.now() + QUOTE_WAIT_MS),
	}).then(readQuoteUsd, () => undefined);
	if (quotedUsd !== undefined) return { estimatedCostUsd: quotedUsd, costSource: 'quote' satisfies CostSource };
	if (model.basePriceUsd !== undefined) return { estimatedCostUsd: model.basePriceUsd, costSource: 'catalogue' satisfies CostSource };
	return {};
}

/** What the account pays: the discounted price where WaveSpeed gives one. A quote in another currency is not used. */
function readQuoteUsd(quote: PriceQuote | null): number | undefined {
	if (!quote || (quote.currency !== undefined && String(quote.currency).toUpperCase() !== 'USD')) return undefined;
	for (const value of [quote.discounted_price, quote.price]) {
		const usd = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
		if (Number.isFinite(usd) && usd >= 0) return usd;
	}
	return undefined;
}
