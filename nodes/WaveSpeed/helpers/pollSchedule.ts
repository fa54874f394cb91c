/**
 * When to ask WaveSpeed next whether a task is done. Pure: a function of the time waited and of what the execution
 * learnt about tasks like this one, so it is tested with a virtual clock.
 *
 * Tasks of one model, resolution and quality take similar times. Once some have finished, the node sleeps through
 * most of the expected time and then polls densely around the expected end; with nothing learnt yet, or once a task
 * runs well past what was expected, it polls at the user's interval, growing for long waits (today's behaviour).
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
}

/** How long to sleep before the next poll. */
export function getNextPollDelayMs({ elapsedMs, baseIntervalMs, expectedDoneMs }: ScheduleInput): number {
	const fallback = getPollIntervalMs(baseIntervalMs, elapsedMs);
	if (expectedDoneMs === undefined) return fallback;
	const firstDenseMs = expectedDoneMs + AFTER_EXPECTED_MS;
	const lastDenseMs = firstDenseMs + (DENSE_POLLS - 1) * MIN_POLL_SPACING_MS;
	// Early on: sleep to the dense window (in one go, or in base intervals if that is sooner for a very long task).
	if (elapsedMs < firstDenseMs - MIN_POLL_SPACING_MS / 2) return Math.max(MIN_POLL_SPACING_MS, firstDenseMs - elapsedMs);
	if (elapsedMs < lastDenseMs) return MIN_POLL_SPACING_MS;
	return fallback;
}

/** What the execution learnt of each kind of task: how long after its submit it was done. Small and in memory. */
export class DurationModel {
	private readonly samplesByKind = new Map<string, number[]>();

	/**
	 * A finished task: `reportedMs` is WaveSpeed's own figure when it gave one (timings.inference, which leaves out the
	 * submit's own reply time), `lastRunningMs` and `firstDoneMs` when polls saw it still running and first done.
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
	}

	/** The median end of this kind of task, once at least one finished. */
	expectedDoneMs(kind: string): number | undefined {
		const samples = this.samplesByKind.get(kind);
		if (!samples?.length) return undefined;
		const sorted = [...samples].sort((a, b) => a - b);
		return sorted[Math.floor((sorted.length - 1) / 2)];
	}
}
