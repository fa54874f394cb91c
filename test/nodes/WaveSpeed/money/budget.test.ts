import { describeBalanceRefusal, describeCapRefusal, describeUnquoted, formatUsd, isOver, readBalanceUsd, sumEstimates } from '../../../../nodes/WaveSpeed/money/budget';

const tenAt = (usd: number) => Array.from({ length: 10 }, (_, itemIndex) => ({ itemIndex, costUsd: usd }));

describe('budget', () => {
	it('sums without floating-point drift: 10 × $0.06 is not over a $0.60 cap', () => {
		// The naive sum drifts above 0.6:
		expect([...Array(10)].reduce((sum: number) => sum + 0.06, 0)).toBeGreaterThan(0.6);
		const batch = sumEstimates(tenAt(0.06));
		expect(batch).toEqual({ totalUsd: 0.6, itemCount: 10, unpricedItems: [], notedItems: 0, notes: [] });
		expect(describeCapRefusal(batch, 0.6)).toBeUndefined();
		expect(describeCapRefusal(batch, 0.59)?.message).toBe('Not sent: the estimated cost $0.60 of 10 item(s) is over Max Cost per Run ($0.59)');
		expect(isOver(0.600001, 0.6)).toBe(true);
	});

	// Issue 27: a balance sent as text was skipped without a word.
	it.each([
		[12.5, 12.5],
		['12.50', 12.5],
		[' 0.02 ', 0.02],
		['0', 0],
		[-1.5, -1.5],
		['-1.5', -1.5],
		['soon', undefined],
		['', undefined],
		['12.50 USD', undefined],
		[null, undefined],
		[undefined, undefined],
		[Number.NaN, undefined],
		[{ usd: 1 }, undefined],
	])('reads the balance %j as %j', (value, expected) => {
		expect(readBalanceUsd(value)).toBe(expected);
	});

	it('says how estimates were made where the quote did not make them, in the refusal too', () => {
		const note = "WaveSpeed's price quote did not answer within 15 s: the estimate is GPT Image 2's price table";
		const batch = sumEstimates([{ itemIndex: 0, costUsd: 0.06, note }, { itemIndex: 1, costUsd: 0.06, note }, { itemIndex: 2, costUsd: 0.06 }]);
		expect(describeUnquoted(batch)).toBe(`2 of 3 item(s) this way: ${note}`);
		expect(describeCapRefusal(batch, 0.1)?.description).toBe(`Nothing was sent or billed. Raise Max Cost per Run, or run fewer or cheaper items. Estimated 2 of 3 item(s) this way: ${note}.`);
		expect(describeBalanceRefusal(batch, 0.1)?.description).toContain(`Estimated 2 of 3 item(s) this way: ${note}.`);
		expect(describeUnquoted(sumEstimates(tenAt(0.06)))).toBeUndefined();
	});

	it('formats dollars with two decimals, more only where a price has them', () => {
		expect([formatUsd(0), formatUsd(5), formatUsd(0.6), formatUsd(0.005), formatUsd(12.345)]).toEqual(['$0.00', '$5.00', '$0.60', '$0.005', '$12.345']);
	});

	it('a capped batch with an item of no known price is refused; the balance check counts it as nothing and says so', () => {
		const batch = sumEstimates([{ itemIndex: 0, costUsd: 0.1 }, { itemIndex: 1, costUsd: undefined }]);
		expect(describeCapRefusal(batch, 100)?.message).toBe('Not sent: Max Cost per Run is $100.00, but no price is known for item(s) 1');
		expect(describeBalanceRefusal(batch, 0.1)).toBeUndefined();
		const refusal = describeBalanceRefusal(batch, 0.05);
		expect(refusal?.message).toBe('Not sent: the account balance $0.05 is below the estimated cost $0.10 of 1 item(s), plus 1 item(s) with no price known');
		expect(refusal?.description).toContain('Items with no price known are not counted.');
	});
});
