/**
 * The local server's "queue" concurrency mode: over the account's cap a task is accepted and waits in `created` until
 * a slot frees (WaveSpeed's "account levels" page), instead of today's 429 "too many concurrent tasks". FIFO: each
 * task starts when enough of the tasks ahead of it have ended. Only erasable TypeScript (Node 24 runs it as is).
 */
export type ConcurrencyMode = 'refuse' | 'queue';

interface QueuedTask {
	createdAtMs: number;
	completeAtMs: number;
	outcome: string;
	/** Queue mode: when the task leaves `created` and starts running. */
	startAtMs?: number;
}

/** When a task submitted at `nowMs` may start, given the tasks already accepted (it is not among them). */
export function queuedStartMs(others: QueuedTask[], cap: number, nowMs: number): number {
	const ends = others
		.map((task) => (task.outcome === 'never' ? Number.POSITIVE_INFINITY : task.completeAtMs))
		.filter((endMs) => endMs > nowMs)
		.sort((a, b) => a - b);
	return ends.length < cap ? nowMs : ends[ends.length - cap];
}

/** Delays `task` behind the running and queued ones so that at most `cap` run at once. */
export function queueTask(task: QueuedTask, all: Iterable<QueuedTask>, cap: number, nowMs: number): void {
	const startAtMs = queuedStartMs([...all].filter((other) => other !== task), cap, nowMs);
	if (startAtMs <= nowMs) return;
	task.startAtMs = startAtMs;
	task.completeAtMs += startAtMs - nowMs;
}

/** How many tasks ran at once at worst (queue mode), from their start and end times. */
export function peakOverlap(tasks: QueuedTask[]): number {
	const events = tasks.flatMap((task) => [
		{ atMs: task.startAtMs ?? task.createdAtMs, delta: 1 },
		{ atMs: task.completeAtMs, delta: -1 },
	]);
	events.sort((a, b) => a.atMs - b.atMs || a.delta - b.delta);
	let running = 0;
	let peak = 0;
	for (const event of events) peak = Math.max(peak, (running += event.delta));
	return peak;
}
