/** An order-preserving bounded pool. Pure. */

/**
 * Runs `worker(index)` for every index in 0..count-1 with at most `limit` running at once, and resolves with the
 * settled results in index order. Once `shouldStart()` returns false, indexes not yet started are left as
 * `undefined` (they were never run).
 */
export async function runPool<T>(
	count: number,
	limit: number,
	worker: (index: number) => Promise<T>,
	shouldStart: () => boolean = () => true,
): Promise<Array<PromiseSettledResult<T> | undefined>> {
	const results: Array<PromiseSettledResult<T> | undefined> = new Array(count).fill(undefined);
	let next = 0;

	async function lane(): Promise<void> {
		while (next < count && shouldStart()) {
			const index = next++;
			try {
				results[index] = { status: 'fulfilled', value: await worker(index) };
			} catch (reason) {
				results[index] = { status: 'rejected', reason };
			}
		}
	}

	const lanes = Math.max(1, Math.min(limit, count));
	await Promise.all(Array.from({ length: lanes }, async () => await lane()));
	return results;
}

/**
 * Uploads, and downloads, in flight at once per execution, whatever Max Concurrency is: each holds a socket and a file
 * (two file descriptors) and buffers, and 64 streams already fill a host's link.
 */
export const MAX_PARALLEL_TRANSFERS = 64;

/** The longest delay a Node timer takes, 2^31 - 1 ms (about 24.8 days): AbortSignal.timeout refuses more. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Slots for tasks running at WaveSpeed: what an account's concurrency limit counts. The limit starts at Max
 * Concurrency, drops to what is running when WaveSpeed refuses one more task, and climbs back by one after four
 * waves of accepted submits, so a capped account costs few refused submits and no extra time.
 */
export class TaskSlots {
	private running = 0;
	/** Holders whose task WaveSpeed accepted: what the account's limit counts (in-flight submits may yet be refused). */
	private confirmed = 0;
	private limit: number;
	private acceptedSinceChange = 0;
	/**
	 * Callers waiting for a slot, oldest first. A freed slot is handed to the oldest one directly: waking every waiter
	 * on each release would cost O(waiters) per release (a million wake-ups for 1,000 items at a limit of 64).
	 */
	private readonly waiters = new Set<() => void>();

	constructor(private readonly maxLimit: number) {
		this.limit = maxLimit;
	}

	get currentLimit(): number {
		return this.limit;
	}

	get runningCount(): number {
		return this.running;
	}

	/** Tasks of ours that WaveSpeed accepted and that still run. */
	get confirmedCount(): number {
		return this.confirmed;
	}

	/** Callers waiting for a slot. */
	get waitingCount(): number {
		return this.waiters.size;
	}

	/** Waits for a free slot, first come first served; false when `signal` aborts or `deadlineMs` (epoch ms) comes first. */
	async acquire(signal?: AbortSignal, deadlineMs?: number): Promise<boolean> {
		if (signal?.aborted) return false;
		if (this.running < this.limit && this.waiters.size === 0) {
			this.running++;
			return true;
		}
		const waitMs = deadlineMs === undefined ? Infinity : Math.max(0, deadlineMs - Date.now());
		// A deadline past what a timer can hold (about 24.8 days) is as good as none.
		const stops = [signal, waitMs <= MAX_TIMER_MS ? AbortSignal.timeout(waitMs) : undefined].filter(
			(stop): stop is AbortSignal => stop !== undefined,
		);
		return await new Promise<boolean>((resolve) => {
			const settle = (granted: boolean) => {
				this.waiters.delete(grant);
				for (const stop of stops) stop.removeEventListener('abort', giveUp);
				resolve(granted);
			};
			// Called by wake() with the slot already counted as taken.
			const grant = () => settle(true);
			const giveUp = () => settle(false);
			this.waiters.add(grant);
			for (const stop of stops) stop.addEventListener('abort', giveUp, { once: true });
		});
	}

	/** Gives a slot back; `wasAccepted` when WaveSpeed had taken the task held in it. */
	release(wasAccepted = false): void {
		this.running = Math.max(0, this.running - 1);
		if (wasAccepted) this.confirmed = Math.max(0, this.confirmed - 1);
		this.wake();
	}

	/** WaveSpeed took the task in a held slot: after four waves at a lowered limit, try one more. */
	accepted(): void {
		this.confirmed++;
		// A refusal that came back before a concurrent submit's acceptance lowered the limit below what WaveSpeed has
		// just shown it runs at once: that many are allowed.
		if (this.confirmed > this.limit) {
			this.limit = Math.min(this.maxLimit, this.confirmed);
			this.acceptedSinceChange = 0;
			this.wake();
			return;
		}
		if (this.limit >= this.maxLimit) return;
		this.acceptedSinceChange++;
		if (this.acceptedSinceChange >= 4 * this.limit) {
			this.limit++;
			this.acceptedSinceChange = 0;
			this.wake();
		}
	}

	/** WaveSpeed refused a task as "too many concurrent tasks" while `confirmed` of ours ran there: that is the account's cap. */
	refused(): void {
		this.limit = Math.max(1, Math.min(this.limit, this.confirmed));
		this.acceptedSinceChange = 0;
	}

	/** Hands free slots to the oldest waiters. */
	private wake(): void {
		for (const grant of this.waiters) {
			if (this.running >= this.limit) return;
			this.running++;
			grant(); // removes itself from the set; iteration goes on with the next one
		}
	}
}
