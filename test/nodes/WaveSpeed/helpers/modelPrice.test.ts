/** WaveSpeed's price quote on either route it is known by, both reply shapes, and which route answers learnt per account. */
import { PRICE_PATH, PRICING_PATH, estimateModelCost, quotePriceUsd, readQuoteUsd } from '../../../../nodes/WaveSpeed/helpers/modelPrice';
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

	it('reads both shapes: the discounted price first, then unit_price, then price; only in USD', () => {
		expect(readQuoteUsd({ model_id: VIDEO, unit_price: 0.24, currency: 'USD' })).toBe(0.24);
		expect(readQuoteUsd({ price: '0.3', discounted_price: 0.27, discount_rate: 0.1 })).toBe(0.27);
		expect(readQuoteUsd({ price: 0.3 })).toBe(0.3);
		expect(readQuoteUsd({ unit_price: 0.3, currency: 'EUR' })).toBeUndefined();
		expect(readQuoteUsd({ unit_price: -1 })).toBeUndefined();
		expect(readQuoteUsd(null)).toBeUndefined();
	});
});
