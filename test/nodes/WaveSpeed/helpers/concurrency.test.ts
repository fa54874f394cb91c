import { runPool } from '../../../../nodes/WaveSpeed/helpers/concurrency';

describe('runPool', () => {
	it('keeps results in index order and never runs more than the limit at once', async () => {
		let running = 0;
		let peak = 0;
		const results = await runPool(10, 3, async (index) => {
			running++;
			peak = Math.max(peak, running);
			await new Promise((resolve) => setTimeout(resolve, (10 - index) * 3));
			running--;
			if (index === 4) throw new Error('four');
			return index * 2;
		});
		expect(peak).toBe(3);
		expect(results.map((result) => (result?.status === 'fulfilled' ? result.value : 'x'))).toEqual([0, 2, 4, 6, 'x', 10, 12, 14, 16, 18]);
	});

	it('starts nothing more once told to stop', async () => {
		let stop = false;
		const results = await runPool(
			6,
			2,
			async (index) => {
				if (index === 1) stop = true;
				return index;
			},
			() => !stop,
		);
		expect(results.filter((result) => result !== undefined).length).toBeLessThan(6);
		expect(results[5]).toBeUndefined();
	});
});
