/** WaveSpeed's price quote on either route it is known by, both reply shapes, and which route answers learnt per account. */
import type { IDataObject } from 'n8n-workflow';

import { PRICE_PATH, PRICING_PATH, estimateImageCost, estimateModelCost, quotePriceUsd, readQuoteUsd } from '../../../../nodes/WaveSpeed/money/modelPrice';
import { contextFor } from '../../../support/builders';
import { createExecuteContext } from '../../../support/executeContext';
import type { FakeWaveSpeed } from '../../../support/fakeWaveSpeed';
import { useFakeWaveSpeed } from '../../../support/useFakeWaveSpeed';

const VIDEO = 'wavespeed-ai/wan-2.2/i2v-480p';

/** Each scenario has its own server, so its own account (base URL): what one learns does not leak into the next. */
function useAccount(): () => FakeWaveSpeed {
	let fake: FakeWaveSpeed;
	useFakeWaveSpeed((started) => (fake = started));
	return () => fake;
}

const quote = async (fake: FakeWaveSpeed, modelId = VIDEO, inputs = { duration: 8 }) =>
	await quotePriceUsd(createExecuteContext(contextFor(fake, {})).ctx, modelId, inputs, { itemIndex: 0, deadlineMs: Date.now() + 10_000 });
const paths = (fake: FakeWaveSpeed) => fake.requests.map((request) => request.path);

describe('the price quote', () => {
	describe('on a gateway with only the documented route (/model/pricing → unit_price)', () => {
		const fake = useAccount();

		it('reads unit_price from it', async () => {
			fake().catalogue.missingQuoteRoutes = { price: 404 };
			expect(await quote(fake())).toBe(0.24);
			expect(paths(fake())).toEqual([PRICING_PATH]);
		});

		it('gives the cost of a Run Model item as a quote, not as the catalogue floor price', async () => {
			fake().catalogue.missingQuoteRoutes = { price: 404 };
			const cost = await estimateModelCost(createExecuteContext(contextFor(fake(), {})).ctx, { modelId: VIDEO, basePriceUsd: 0.15 }, { duration: 8 }, {
				itemIndex: 0,
				deadlineMs: Date.now() + 10_000,
			});
			expect(cost).toEqual({ estimatedCostUsd: 0.24, costSource: 'quote' });
		});
	});

	describe.each([404, 405] as const)('on a gateway whose /model/pricing answers %i', (status) => {
		const fake = useAccount();

		it('falls back to /model/price (price) and asks it first from then on', async () => {
			fake().catalogue.missingQuoteRoutes = { pricing: status };
			expect(await quote(fake())).toBe(0.24);
			expect(paths(fake())).toEqual([PRICING_PATH, PRICE_PATH]);
			expect(await quote(fake(), VIDEO, { duration: 5 })).toBe(0.15);
			expect(paths(fake())).toEqual([PRICING_PATH, PRICE_PATH, PRICE_PATH]);
		});
	});

	describe('a batch on a gateway without /model/pricing', () => {
		const fake = useAccount();

		it('learns the route once: 8 quotes at once ask the missing route once', async () => {
			fake().catalogue.missingQuoteRoutes = { pricing: 404 };
			const quotes = await Promise.all(Array.from({ length: 8 }, async () => await quote(fake())));
			expect(quotes).toEqual(Array(8).fill(0.24));
			expect(fake().countRequests('pricing')).toBe(1);
			expect(fake().countRequests('price')).toBe(8);
		});
	});

	describe('a learnt route that goes away', () => {
		const fake = useAccount();

		it('is left for the other one', async () => {
			expect(await quote(fake())).toBe(0.24);
			fake().catalogue.missingQuoteRoutes = { pricing: 404 };
			expect(await quote(fake())).toBe(0.24);
			expect(paths(fake())).toEqual([PRICING_PATH, PRICING_PATH, PRICE_PATH]);
		});
	});

	describe('no quote', () => {
		const fake = useAccount();

		it('for a model neither route knows, or a refusal: undefined, never an error', async () => {
			expect(await quote(fake(), 'acme/unknown-model')).toBeUndefined();
			fake().faults.push({ route: 'pricing', kind: 'status', status: 400 });
			expect(await quote(fake())).toBeUndefined();
		});
	});

	describe('GPT Image 2 (Edit and Generate)', () => {
		const fake = useAccount();
		const EDIT = 'openai/gpt-image-2/edit';
		// One node run: the same context for all its items.
		let run: object;
		beforeEach(() => (run = createExecuteContext(contextFor(fake(), {})).ctx));
		const imageCost = async (quality: 'low' | 'high', resolution: '1k' | '2k', prompt = 'a shoe') =>
			await estimateImageCost(run as Parameters<typeof estimateImageCost>[0], { modelId: EDIT, quality, resolution }, { prompt, quality, resolution }, {
				itemIndex: 0,
				deadlineMs: Date.now() + 10_000,
			});

		it("prefers WaveSpeed's quote to the price table, and asks once per quality and resolution in a node run", async () => {
			fake().catalogue.gptImage2Quote = 0.05;
			const batch = await Promise.all(['a', 'b', 'c', 'd'].map(async (prompt) => await imageCost('high', '2k', prompt)));
			expect(batch).toEqual(Array(4).fill({ estimatedCostUsd: 0.05, costSource: 'quote' }));
			expect(await imageCost('high', '2k')).toEqual({ estimatedCostUsd: 0.05, costSource: 'quote' });
			expect(fake().countRequests('pricing')).toBe(1);
			// Another pair is another price: asked with the item's inputs (WaveSpeed's list prices low 1k at 0.03).
			fake().catalogue.gptImage2Quote = 'list';
			expect(await imageCost('low', '1k')).toEqual({ estimatedCostUsd: 0.03, costSource: 'quote' });
			expect(fake().countRequests('pricing')).toBe(2);
		});

		it('falls back to the table, labelled as such, and asks again in the next node run', async () => {
			fake().catalogue.gptImage2Quote = 'none';
			expect(await imageCost('low', '2k')).toEqual({ estimatedCostUsd: 0.06, costSource: 'table' });
			fake().catalogue.gptImage2Quote = 0.07;
			run = createExecuteContext(contextFor(fake(), {})).ctx;
			expect(await imageCost('low', '2k')).toEqual({ estimatedCostUsd: 0.07, costSource: 'quote' });
		});
	});

	// Issue 27 defect 5: each item asked its own quote, and a route that hung was asked again by the next item.
	describe('in one node run', () => {
		const fake = useAccount();
		const UPSCALER = 'wavespeed-ai/image-upscaler';
		const upscale = (target_resolution: string) => ({ image: 'https://example.com/a.png', target_resolution });
		const cost = async (run: object, inputs: IDataObject, waitMs = 10_000) =>
			await estimateModelCost(run as Parameters<typeof estimateModelCost>[0], { modelId: UPSCALER, basePriceUsd: 0.01 }, inputs, { itemIndex: 0, deadlineMs: Date.now() + waitMs });

		it('asks once for the same model and inputs (whatever their order), and once more for other inputs', async () => {
			const run = createExecuteContext(contextFor(fake(), {})).ctx;
			const same = [upscale('8k'), upscale('8k'), { target_resolution: '8k', image: 'https://example.com/a.png' }];
			const costs = await Promise.all(same.map(async (inputs) => await cost(run, inputs)));
			expect(costs).toEqual(Array(3).fill({ estimatedCostUsd: 0.02, costSource: 'quote' }));
			expect(await cost(run, upscale('2k'))).toEqual({ estimatedCostUsd: 0.01, costSource: 'quote' });
			expect(fake().countRequests('pricing')).toBe(2);
			// Another node run asks again.
			await cost(createExecuteContext(contextFor(fake(), {})).ctx, upscale('8k'));
			expect(fake().countRequests('pricing')).toBe(3);
		});

		it('a route that hung is not asked again in the run: the next quote goes to the other route', async () => {
			fake().faults.push({ route: 'pricing', kind: 'delay', delayMs: 600_000 });
			const run = createExecuteContext(contextFor(fake(), {})).ctx;
			// The route hangs for 10 minutes; the quote gives up at its deadline (2 s), and says so.
			expect(await cost(run, upscale('8k'), 2_000)).toEqual({
				estimatedCostUsd: 0.01,
				costSource: 'catalogue',
				costNote: "WaveSpeed's price quote did not answer within 2 s: the estimate is the catalogue's base price (the model's floor price)",
			});
			expect(await cost(run, upscale('2k'))).toEqual({ estimatedCostUsd: 0.01, costSource: 'quote' });
			expect(paths(fake())).toEqual([PRICING_PATH, PRICE_PATH]);
		});

		it("an item stops waiting at its own deadline; the others sharing the quote still get it", async () => {
			// Whichever route this account learnt: the one quote is 2 s late.
			fake().faults.push({ route: 'pricing', kind: 'delay', delayMs: 2_000, times: 1 }, { route: 'price', kind: 'delay', delayMs: 2_000, times: 1 });
			const run = createExecuteContext(contextFor(fake(), {})).ctx;
			const ended: string[] = [];
			const patient = cost(run, upscale('8k'), 20_000).then((answer) => (ended.push('patient'), answer));
			const hurried = cost(run, upscale('8k'), 500).then((answer) => (ended.push('hurried'), answer));
			expect(await hurried).toMatchObject({ costSource: 'catalogue', costNote: expect.stringContaining('did not answer within 1 s') });
			expect(await patient).toEqual({ estimatedCostUsd: 0.02, costSource: 'quote' });
			expect(ended).toEqual(['hurried', 'patient']);
			expect(fake().countRequests('pricing') + fake().countRequests('price')).toBe(1);
		});

		it('GPT Image 2 with no quote answering: the price table, labelled so', async () => {
			fake().faults.push({ route: 'pricing', kind: 'delay', delayMs: 600_000 }, { route: 'price', kind: 'delay', delayMs: 600_000 });
			const run = createExecuteContext(contextFor(fake(), {})).ctx as Parameters<typeof estimateImageCost>[0];
			const call = { itemIndex: 0, deadlineMs: Date.now() + 2_000 };
			const model = { modelId: 'openai/gpt-image-2/text-to-image', quality: 'low' as const, resolution: '2k' as const };
			expect(await estimateImageCost(run, model, { prompt: 'a shoe', quality: 'low', resolution: '2k' }, call)).toEqual({
				estimatedCostUsd: 0.06,
				costSource: 'table',
				costNote: "WaveSpeed's price quote did not answer within 2 s: the estimate is GPT Image 2's price table",
			});
			expect(fake().countRequests('pricing') + fake().countRequests('price')).toBe(1);
		});
	});

	it('reads both shapes: the discounted price first, then unit_price, then price; only in USD', () => {
		expect(readQuoteUsd({ model_id: VIDEO, unit_price: 0.24, currency: 'USD' })).toBe(0.24);
		expect(readQuoteUsd({ price: '0.3', discounted_price: 0.27, discount_rate: 0.1 })).toBe(0.27);
		expect(readQuoteUsd({ price: 0.3 })).toBe(0.3);
		expect(readQuoteUsd({ unit_price: 0.3, currency: 'EUR' })).toBeUndefined();
		expect(readQuoteUsd({ unit_price: -1 })).toBeUndefined();
		expect(readQuoteUsd(null)).toBeUndefined();
	});
});
