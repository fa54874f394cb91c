import {
	DurationModel,
	MAX_GROWN_POLL_INTERVAL_MS,
	MIN_POLL_SPACING_MS,
	POLL_BUDGET_PER_SECOND,
	PollBudget,
	SCOUT_TASKS,
	getNextPollDelayMs,
	getPollIntervalMs,
	pollPhase,
} from '../../../../nodes/WaveSpeed/task/pollSchedule';

/** A virtual clock: polls one task that ends at `doneAtMs` with the schedule, and says how many polls it took and when it saw the end. */
function simulate(doneAtMs: number, baseIntervalMs: number, expectedDoneMs?: number) {
	let elapsedMs = 0;
	const pollsAtMs: number[] = [];
	while (elapsedMs < doneAtMs) {
		elapsedMs += getNextPollDelayMs({ elapsedMs, baseIntervalMs, expectedDoneMs, lastPollMs: pollsAtMs.at(-1) });
		pollsAtMs.push(elapsedMs);
	}
	const gaps = pollsAtMs.map((atMs, index) => atMs - (pollsAtMs[index - 1] ?? 0));
	return { polls: pollsAtMs.length, latencyMs: elapsedMs - doneAtMs, minGapMs: Math.min(...gaps) };
}

describe('poll schedule', () => {
	it('with nothing learnt: the configured interval, growing for long tasks, up to a cap', () => {
		expect(getPollIntervalMs(2000, 0)).toBe(2000);
		expect(getPollIntervalMs(2000, 30_000)).toBe(3000);
		expect(getPollIntervalMs(2000, 120_000)).toBe(6000);
		expect(getPollIntervalMs(2000, 3_600_000)).toBe(MAX_GROWN_POLL_INTERVAL_MS);
		// An interval set above the cap is kept as it is.
		expect(getPollIntervalMs(30_000, 600_000)).toBe(30_000);
		expect(getNextPollDelayMs({ elapsedMs: 0, baseIntervalMs: 2000 })).toBe(2000);
		expect(simulate(5000, 2000)).toEqual({ polls: 3, latencyMs: 1203, minGapMs: 2000 }); // 2 s, 4.07 s, 6.2 s
	});

	it('once tasks of the kind are known: polls at most an interval apart, in steps that land just after the expected end', () => {
		// 5.05 s in three equal steps of at most 2 s.
		expect(getNextPollDelayMs({ elapsedMs: 0, baseIntervalMs: 2000, expectedDoneMs: 5000 })).toBe(1683);
		expect(getNextPollDelayMs({ elapsedMs: 5050, baseIntervalMs: 2000, expectedDoneMs: 5000, lastPollMs: 5050 })).toBe(MIN_POLL_SPACING_MS);
		// A task like its peers: seen 50 ms after it ended, with the polls today's schedule makes (3; today 1.2 s late).
		expect(simulate(5000, 2000, 5000)).toEqual({ polls: 3, latencyMs: 50, minGapMs: 1683 });
		// A little slower than its peers: caught by the dense polls, still within half a second.
		const slower = simulate(5600, 2000, 5000);
		expect(slower.latencyMs).toBeLessThanOrEqual(MIN_POLL_SPACING_MS);
		expect(slower.polls).toBe(5);
	});

	// Issue 19 defect 5: with the median learnt, a task was polled first just after the median: one ending at 0.8 s
	// next to peers of 6 s was seen 5.25 s late.
	it('never lets a task that ends before its peers wait more than an interval to be seen', () => {
		for (const baseIntervalMs of [500, 1000, 2000, 5000]) {
			for (const expectedDoneMs of [800, 6000, 30_000, 150_000]) {
				for (const doneAtMs of [300, 800, 1000, 2500, 5999, 6000, 12_000, 29_000, 60_000, 149_000, 200_000]) {
					const { latencyMs } = simulate(doneAtMs, baseIntervalMs, expectedDoneMs);
					expect({ baseIntervalMs, expectedDoneMs, doneAtMs, seenWithinAnInterval: latencyMs <= Math.max(getPollIntervalMs(baseIntervalMs, doneAtMs), 2 * MIN_POLL_SPACING_MS) }).toEqual({
						baseIntervalMs,
						expectedDoneMs,
						doneAtMs,
						seenWithinAnInterval: true,
					});
				}
			}
		}
		expect(simulate(800, 2000, 6000).latencyMs).toBeLessThanOrEqual(2000);
	});

	it('never polls one task more than twice a second', () => {
		for (const expectedDoneMs of [0, 100, 600, 5000, 60_000]) {
			for (const doneAtMs of [50, 700, 4900, 5100, 30_000, 200_000]) {
				expect(simulate(doneAtMs, 500, expectedDoneMs).minGapMs).toBeGreaterThanOrEqual(MIN_POLL_SPACING_MS);
			}
		}
	});

	it('a task far slower than its peers falls back to the growing interval: no more than 3 polls over today', () => {
		const today = simulate(180_000, 2000);
		const learnt = simulate(180_000, 2000, 5000);
		expect(learnt.polls).toBeLessThanOrEqual(today.polls + 3);
		expect(getNextPollDelayMs({ elapsedMs: 120_000, baseIntervalMs: 2000, expectedDoneMs: 5000, lastPollMs: 118_000 })).toBe(getPollIntervalMs(2000, 120_000));
	});

	it('for a batch of similar tasks, sees each end far sooner than today, for few more polls', () => {
		const durations = [4700, 5000, 5100, 5300, 4900, 5000, 5200, 4800, 5050, 5000];
		const model = new DurationModel();
		let todayPolls = 0;
		let learntPolls = 0;
		let todayLatencyMs = 0;
		let learntLatencyMs = 0;
		for (const doneAtMs of durations) {
			const today = simulate(doneAtMs, 2000);
			const learnt = simulate(doneAtMs, 2000, model.expectedDoneMs('kind'));
			todayPolls += today.polls;
			learntPolls += learnt.polls;
			todayLatencyMs += today.latencyMs;
			learntLatencyMs += learnt.latencyMs;
			model.record('kind', { reportedMs: doneAtMs, lastRunningMs: doneAtMs - 400, firstDoneMs: doneAtMs + 100 });
		}
		expect(learntLatencyMs).toBeLessThan(todayLatencyMs / 3);
		expect(learntPolls).toBeLessThanOrEqual(todayPolls * 1.2);
	});
});

describe('duration model', () => {
	it('learns nothing until a task of the kind finished, then the median end', () => {
		const model = new DurationModel();
		expect(model.expectedDoneMs('a')).toBeUndefined();
		model.record('a', { reportedMs: 5000, lastRunningMs: 4000, firstDoneMs: 6000 });
		model.record('a', { reportedMs: 9000, lastRunningMs: 8000, firstDoneMs: 9500 });
		model.record('a', { reportedMs: 5200, lastRunningMs: 4000, firstDoneMs: 6000 });
		expect(model.expectedDoneMs('a')).toBe(5200);
		expect(model.expectedDoneMs('b')).toBeUndefined();
	});

	it("keeps WaveSpeed's figure within what the polls saw, and takes the middle without one", () => {
		const model = new DurationModel();
		// Reported inference leaves out queueing: the task was still running at 7 s, so it ended after that.
		model.record('queued', { reportedMs: 5000, lastRunningMs: 7000, firstDoneMs: 8000 });
		expect(model.expectedDoneMs('queued')).toBe(7000);
		model.record('silent', { lastRunningMs: 4000, firstDoneMs: 6000 });
		expect(model.expectedDoneMs('silent')).toBe(5000);
	});

	it('spreads the first poll of the first tasks over half an interval to one and a half (the same average)', () => {
		const firstPolls = [0, 0.25, 0.5, 0.75, 0.999].map((phase) => getNextPollDelayMs({ elapsedMs: 0, baseIntervalMs: 2000, phase }));
		expect(firstPolls).toEqual([1000, 1500, 2000, 2500, 2998]);
		// After the first poll, the interval as before.
		expect(getNextPollDelayMs({ elapsedMs: 1000, baseIntervalMs: 2000, phase: 0, lastPollMs: 1000 })).toBe(getPollIntervalMs(2000, 1000));
	});

	it('once a peer teaches the end while this task slept past it: polls now, never two polls within 500 ms', () => {
		// Learnt at 6.1 s that tasks end at 5 s; this one last polled at 4 s: poll at once.
		expect(getNextPollDelayMs({ elapsedMs: 6100, baseIntervalMs: 2000, expectedDoneMs: 5000, lastPollMs: 4000 })).toBe(0);
		// ... but it polled 300 ms ago, just before the dense window: wait out the spacing.
		expect(getNextPollDelayMs({ elapsedMs: 5000, baseIntervalMs: 2000, expectedDoneMs: 5000, lastPollMs: 4700 })).toBe(200);
		// A task picked up with no poll yet, past the expected end: at once.
		expect(getNextPollDelayMs({ elapsedMs: 9000, baseIntervalMs: 2000, expectedDoneMs: 5000 })).toBe(0);
	});

	it('tells the tasks waiting on a kind when the first of them is learnt', () => {
		const model = new DurationModel();
		const signal = model.learntSignal('edit|1k|high');
		const other = model.learntSignal('edit|4k|high');
		model.record('edit|1k|high', { reportedMs: 5000, lastRunningMs: 4000, firstDoneMs: 6000 });
		expect([signal.aborted, other.aborted]).toEqual([true, false]);
		expect(model.learntSignal('edit|1k|high').aborted).toBe(false);
	});
});

describe('poll budget: a wide batch', () => {
	/** Every poll of `tasks` tasks that all run `doneAtMs`, on a virtual clock, with the budget's interval for that width. */
	function pollTimes(tasks: number, doneAtMs: number, { budgeted = true } = {}): number[] {
		const budget = new PollBudget();
		const shares = Array.from({ length: tasks }, () => budget.enter());
		const times: number[] = [];
		for (let index = 0; index < tasks; index++) {
			const minIntervalMs = budgeted ? shares[index].minIntervalMs() : 0;
			let elapsedMs = 0;
			let lastPollMs: number | undefined;
			while (elapsedMs < doneAtMs) {
				elapsedMs += getNextPollDelayMs({ elapsedMs, baseIntervalMs: 2000, lastPollMs, phase: pollPhase(index), minIntervalMs });
				lastPollMs = elapsedMs;
				times.push(elapsedMs);
			}
		}
		return times.sort((a, b) => a - b);
	}

	it('counts the tasks being polled, each once', () => {
		const budget = new PollBudget();
		const shares = Array.from({ length: 300 }, () => budget.enter());
		expect(budget.minIntervalMs).toBe((300 * 1000) / POLL_BUDGET_PER_SECOND);
		shares[0].leave();
		shares[0].leave();
		expect(budget.minIntervalMs).toBe((299 * 1000) / POLL_BUDGET_PER_SECOND);
		// The first tasks of the run scout at the user's interval: submitted first, they end first and teach the others.
		expect(shares.map((share) => share.minIntervalMs() === 0)).toEqual(shares.map((_, index) => index < SCOUT_TASKS));
		// Each kind of task has its own scouts: its first end teaches its own kind.
		expect(budget.enter('edit|4k|high').minIntervalMs()).toBe(0);
	});

	it('changes nothing up to 200 tasks at a 2 s interval', () => {
		expect(pollTimes(200, 20_000)).toEqual(pollTimes(200, 20_000, { budgeted: false }));
		const budget = new PollBudget();
		for (let index = 0; index < 200; index++) budget.enter();
		for (const phase of [0, 0.3, 0.9]) {
			expect(getNextPollDelayMs({ elapsedMs: 0, baseIntervalMs: 2000, phase, minIntervalMs: budget.minIntervalMs })).toBe(getNextPollDelayMs({ elapsedMs: 0, baseIntervalMs: 2000, phase }));
		}
		expect(getNextPollDelayMs({ elapsedMs: 0, baseIntervalMs: 2000, expectedDoneMs: 20_000, minIntervalMs: budget.minIntervalMs })).toBe(
			getNextPollDelayMs({ elapsedMs: 0, baseIntervalMs: 2000, expectedDoneMs: 20_000 }),
		);
	});

	// Issue 29: 1,000 tasks of 20 s polled every 2 s made 500 polls a second, more than n8n's whole event loop.
	it('keeps 1,000 tasks of 20 s within the budget, where each polled every 2 s made 10,000 polls', () => {
		const times = pollTimes(1000, 20_000);
		const withinTheirRunMs = 20_000;
		// The budget, and the scouts on the user's 2 s interval.
		const scoutPolls = SCOUT_TASKS * (withinTheirRunMs / 2000 + 1);
		expect(times.filter((atMs) => atMs <= withinTheirRunMs).length).toBeLessThanOrEqual((withinTheirRunMs / 1000) * POLL_BUDGET_PER_SECOND + scoutPolls);
		// Before: every task on its own 2 s interval.
		expect(pollTimes(1000, 20_000, { budgeted: false }).length).toBeGreaterThan(9000);
	});

	it('still has one of them look every few ms, so the first end of a kind is seen at once (and teaches the rest)', () => {
		const times = pollTimes(1000, 20_000).filter((atMs) => atMs >= 1000 && atMs <= 20_000);
		const gaps = times.slice(1).map((atMs, index) => atMs - times[index]);
		expect(Math.max(...gaps)).toBeLessThanOrEqual(3 * (1000 / POLL_BUDGET_PER_SECOND));
	});

	it('once the end is learnt: still lands a poll just after it, in steps no closer than the budget allows', () => {
		const budget = new PollBudget();
		for (let index = 0; index < 1000; index++) budget.enter();
		// 30 s tasks, expected end known: 30.05 s in steps of at most the budget's 10 s.
		expect(getNextPollDelayMs({ elapsedMs: 0, baseIntervalMs: 2000, expectedDoneMs: 30_000, minIntervalMs: budget.minIntervalMs })).toBe(10_017);
		// Short tasks: one poll, just after the end.
		expect(getNextPollDelayMs({ elapsedMs: 0, baseIntervalMs: 2000, expectedDoneMs: 3000, minIntervalMs: budget.minIntervalMs })).toBe(3050);
	});
});
