/** WaveSpeed's price quote on either route it is known by, both reply shapes, and which route answers learnt per account. */
import { PRICE_PATH, PRICING_PATH, estimateImageCost, estimateModelCost, quotePriceUsd, readQuoteUsd } from '../../../../nodes/WaveSpeed/helpers/modelPrice';
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

	it('reads both shapes: the discounted price first, then unit_price, then price; only in USD', () => {
		expect(readQuoteUsd({ model_id: VIDEO, unit_price: 0.24, currency: 'USD' })).toBe(0.24);
		expect(readQuoteUsd({ price: '0.3', discounted_price: 0.27, discount_rate: 0.1 })).toBe(0.27);
		expect(readQuoteUsd({ price: 0.3 })).toBe(0.3);
		expect(readQuoteUsd({ unit_price: 0.3, currency: 'EUR' })).toBeUndefined();
		expect(readQuoteUsd({ unit_price: -1 })).toBeUndefined();
		expect(readQuoteUsd(null)).toBeUndefined();
	});
});
