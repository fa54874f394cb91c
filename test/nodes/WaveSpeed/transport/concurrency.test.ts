import { TaskSlots, runPool } from '../../../../nodes/WaveSpeed/transport/concurrency';

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

describe('TaskSlots', () => {
	it('hands out at most the limit, and the next waiter gets a released slot', async () => {
		const slots = new TaskSlots(2);
		expect(await slots.acquire()).toBe(true);
		expect(await slots.acquire()).toBe(true);
		let third = false;
		const waiting = slots.acquire().then((got) => (third = got));
		await new Promise((resolve) => setImmediate(resolve));
		expect(third).toBe(false);
		slots.release();
		await waiting;
		expect(third).toBe(true);
		expect(slots.runningCount).toBe(2);
	});

	it('hands each released slot to the oldest waiter, one waiter per slot, and a newcomer queues behind them', async () => {
		const slots = new TaskSlots(1);
		await slots.acquire();
		const order: number[] = [];
		const waiting = [0, 1, 2].map(async (index) => {
			if (await slots.acquire()) order.push(index);
		});
		expect(slots.waitingCount).toBe(3);
		slots.release();
		await new Promise((resolve) => setImmediate(resolve));
		// Only the first waiter was woken: the other two still wait (no wake-up of every waiter per release).
		expect(order).toEqual([0]);
		expect(slots.waitingCount).toBe(2);
		// A caller arriving while others wait does not take the next slot before them.
		const late = slots.acquire().then(() => order.push(3));
		slots.release();
		slots.release();
		slots.release();
		await Promise.all([...waiting, late]);
		expect(order).toEqual([0, 1, 2, 3]);
		expect(slots.runningCount).toBe(1);
		expect(slots.waitingCount).toBe(0);
	});

	it('gives up waiting at the deadline or on abort', async () => {
		const slots = new TaskSlots(1);
		await slots.acquire();
		expect(await slots.acquire(undefined, Date.now() + 20)).toBe(false);
		const controller = new AbortController();
		const waiting = slots.acquire(controller.signal);
		controller.abort();
		expect(await waiting).toBe(false);
		expect(slots.runningCount).toBe(1);
	});

	it('drops to what WaveSpeed accepted when it refuses a task, and climbs back after four accepted waves', async () => {
		const slots = new TaskSlots(4);
		for (let held = 0; held < 3; held++) await slots.acquire();
		slots.accepted();
		slots.accepted();
		slots.release(); // the third was refused with two of ours running: the account allows 2
		slots.refused();
		expect(slots.currentLimit).toBe(2);
		// Waves of two: each task ends (its slot given back) and the next one is accepted.
		const wave = async () => {
			slots.release(true);
			await slots.acquire();
			slots.accepted();
		};
		for (let accepted = 0; accepted < 7; accepted++) await wave();
		expect(slots.currentLimit).toBe(2);
		await wave();
		expect(slots.currentLimit).toBe(3);
		// Refused with nothing else running (a per-minute limit): one at a time, never zero.
		const lone = new TaskSlots(3);
		lone.refused();
		expect(lone.currentLimit).toBe(1);
	});

	it('a refusal answered before concurrent acceptances does not hold the limit below what WaveSpeed then ran', async () => {
		const slots = new TaskSlots(4);
		for (let held = 0; held < 4; held++) await slots.acquire();
		// Four submits at once against a cap of 2: both refusals come back first, then both acceptances.
		slots.release();
		slots.refused();
		slots.release();
		slots.refused();
		expect(slots.currentLimit).toBe(1);
		slots.accepted();
		slots.accepted();
		expect(slots.currentLimit).toBe(2);
	});
});
