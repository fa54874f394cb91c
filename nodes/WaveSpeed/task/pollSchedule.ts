/**
 * When to ask WaveSpeed next whether a task is done. Pure: a function of the time waited and of what the execution
 * learnt about tasks like this one, so it is tested with a virtual clock.
 *
 * Tasks of one model, resolution and quality take similar times, but not the same (GPT Image 2: 10 s to 150 s; a
 * refusal in a second). Once some have finished, the node polls at most an interval apart, in steps that land just
 * after the expected end, then densely around it: a task that ends before its peers is still seen within an interval,
 * and a typical one within a few ms. With nothing learnt yet, or once a task runs well past what was expected, it
 * polls at the user's interval, growing for long waits. A wide batch stretches the interval so that the execution
 * stays within POLL_BUDGET_PER_SECOND (see PollBudget).
 */

/** Long tasks are polled less often, up to this; WaveSpeed asks image clients for 2 s or slower. */
export const MAX_GROWN_POLL_INTERVAL_MS = 10_000;
/** The interval grows by one base interval per minute of waiting. */
const GROWTH_PERIOD_MS = 60_000;
/** Never more than 2 polls a second for one task. */
export const MIN_POLL_SPACING_MS = 500;
/** Around the expected end: first poll just after it (the end is known to within a few ms), then every MIN_POLL_SPACING_MS ... */
const AFTER_EXPECTED_MS = 50;
/** ... for this many polls; a task still running then has run far longer than its peers. */
const DENSE_POLLS = 3;

/**
 * Polls a second one execution makes, at most, outside the dense polls at an expected end. Each poll costs n8n's
 * process 2 to 3 ms of CPU (a new connection, n8n's request pipeline): 1,000 tasks polled every 2 s, 500 a second,
 * would take more than its whole event loop. 100 a second is a quarter of it at most; at 200 tasks or fewer (2 s
 * interval) the budget changes nothing.
 */
export const POLL_BUDGET_PER_SECOND = 100;

/** The first tasks of each kind in a run keep the user's interval, whatever the budget (see PollBudget). */
export const SCOUT_TASKS = 20;

/**
 * How many of the execution's tasks are being polled, and so how far apart each one's polls must be to keep the
 * execution within its budget. The first SCOUT_TASKS of each kind of task in the run are exempt: submitted first, they
 * end first, and the first end of a kind teaches the others when to look (DurationModel.learntSignal), as soon as
 * without a budget.
 */
export class PollBudget {
	private polling = 0;
	private readonly enteredByKind = new Map<string, number>();

	/** A task of `kind` starts being polled: its shortest interval from now on, and how it stops being counted (once). */
	enter(kind = ''): { minIntervalMs(): number; leave(): void } {
		this.polling++;
		const entered = this.enteredByKind.get(kind) ?? 0;
		this.enteredByKind.set(kind, entered + 1);
		const scout = entered < SCOUT_TASKS;
		let left = false;
		return {
			minIntervalMs: () => (scout ? 0 : this.minIntervalMs),
			leave: () => {
				if (left) return;
				left = true;
				this.polling--;
			},
		};
	}

	/** The shortest interval between two polls of one task that keeps the execution within the budget. */
	get minIntervalMs(): number {
		return Math.round((this.polling * 1000) / POLL_BUDGET_PER_SECOND);
	}
}

/** An item's place in the interval for its first poll (ScheduleInput.phase): spread evenly, whatever the batch size. */
export function pollPhase(itemIndex: number): number {
	// The fractional parts of multiples of the golden ratio.
	return (itemIndex * 0.618034) % 1;
}

export function getPollIntervalMs(baseMs: number, elapsedMs: number): number {
	const grownMs = baseMs * (1 + Math.max(0, elapsedMs) / GROWTH_PERIOD_MS);
	return Math.round(Math.min(Math.max(baseMs, MAX_GROWN_POLL_INTERVAL_MS), grownMs));
}

export interface ScheduleInput {
	/** Time since the task was submitted. */
	elapsedMs: number;
	/** The user's Poll Interval: the baseline and the budget. */
	baseIntervalMs: number;
	/** When tasks like this one finished, counted from their submit; undefined while nothing is learnt. */
	expectedDoneMs?: number;
	/** When this task was last polled (elapsed time); undefined before its first poll. */
	lastPollMs?: number;
	/**
	 * In [0, 1): where this task's first poll falls, from half an interval to one and a half (0.5: one interval). The
	 * first tasks of a kind are spread over the interval, so together they look every interval / n, and the first to
	 * see its task end teaches the others, which poll then (see DurationModel.learntSignal).
	 */
	phase?: number;
	/** The execution's poll budget spread over its tasks (PollBudget.minIntervalMs): no interval is shorter. */
	minIntervalMs?: number;
}

/** How long to sleep before the next poll. */
export function getNextPollDelayMs({ elapsedMs, baseIntervalMs, expectedDoneMs, lastPollMs, phase = 0.5, minIntervalMs = 0 }: ScheduleInput): number {
	const intervalMs = (atMs: number) => Math.max(getPollIntervalMs(baseIntervalMs, atMs), minIntervalMs);
	if (expectedDoneMs === undefined) {
		// Half an interval, then spread over one (the budget's, for a wide batch).
		const firstMs = baseIntervalMs / 2 + phase * Math.max(baseIntervalMs, minIntervalMs);
		if (lastPollMs === undefined) return Math.max(MIN_POLL_SPACING_MS, Math.round(firstMs) - elapsedMs);
		return intervalMs(elapsedMs);
	}
	const firstDenseMs = expectedDoneMs + AFTER_EXPECTED_MS;
	const lastDenseMs = firstDenseMs + (DENSE_POLLS - 1) * MIN_POLL_SPACING_MS;
	// Early on: toward the dense window in equal steps of at most one (growing) interval, the last landing on it.
	// Sleeping there in one go would see a task that ends before its peers (a refusal) only at their median.
	if (elapsedMs < firstDenseMs - MIN_POLL_SPACING_MS / 2) {
		const untilDenseMs = firstDenseMs - elapsedMs;
		const grownMs = getPollIntervalMs(baseIntervalMs, elapsedMs);
		// At most an interval apart; under a wide batch's budget, at least its interval apart.
		let steps = minIntervalMs > grownMs ? Math.max(1, Math.floor(untilDenseMs / minIntervalMs)) : Math.ceil(untilDenseMs / grownMs);
		// An interval under a second: steps of at least MIN_POLL_SPACING_MS (under two of them), still landing on it.
		if (untilDenseMs / steps < MIN_POLL_SPACING_MS) steps = Math.max(1, Math.floor(untilDenseMs / MIN_POLL_SPACING_MS));
		return Math.max(MIN_POLL_SPACING_MS, Math.round(untilDenseMs / steps));
	}
	// Past the expected end and not polled since (the end was learnt while this task slept): now, at most 2 a second
	// (the submit counts as a poll).
	const lastMs = lastPollMs ?? 0;
	if (lastMs < firstDenseMs - MIN_POLL_SPACING_MS / 2) return Math.max(0, MIN_POLL_SPACING_MS - (elapsedMs - lastMs));
	if (elapsedMs < lastDenseMs) return MIN_POLL_SPACING_MS;
	return intervalMs(elapsedMs);
}

/** What the execution learnt of each kind of task: how long after its submit it was done. Small and in memory. */
export class DurationModel {
	private readonly samplesByKind = new Map<string, number[]>();
	private readonly learnt = new Map<string, AbortController>();

	/** Aborts when the next task of this kind is learnt: tasks sleeping on the user's interval then look at once. */
	learntSignal(kind: string): AbortSignal {
		let controller = this.learnt.get(kind);
		if (!controller) {
			controller = new AbortController();
			this.learnt.set(kind, controller);
		}
		return controller.signal;
	}

	/**
	 * A finished task: `reportedMs` is WaveSpeed's own figure when it gave one (timings.inference, which leaves out the
	 * submit's own reply time); `lastRunningMs` when the last poll that saw it running was sent, `firstDoneMs` when the
	 * reply of the first that saw it done was read (the end lies between).
	 */
	record(kind: string, sample: { reportedMs?: number; lastRunningMs: number; firstDoneMs: number }): void {
		const { reportedMs, lastRunningMs, firstDoneMs } = sample;
		// The true end lies between the two polls; WaveSpeed's figure places it there when it can.
		const doneMs =
			reportedMs !== undefined && reportedMs > 0
				? Math.min(firstDoneMs, Math.max(lastRunningMs, reportedMs))
				: (lastRunningMs + firstDoneMs) / 2;
		const samples = this.samplesByKind.get(kind) ?? [];
		samples.push(doneMs);
		if (samples.length > 50) samples.shift();
		this.samplesByKind.set(kind, samples);
		this.learnt.get(kind)?.abort();
		this.learnt.delete(kind);
	}

	/** The median end of this kind of task, once at least one finished. */
	expectedDoneMs(kind: string): number | undefined {
		const samples = this.samplesByKind.get(kind);
		if (!samples?.length) return undefined;
		const sorted = [...samples].sort((a, b) => a - b);
		return sorted[Math.floor((sorted.length - 1) / 2)];
	}
}
