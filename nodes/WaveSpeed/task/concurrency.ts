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

	/** Waits for a free slot; false when `signal` aborts or `deadlineMs` (epoch ms) comes first. */
	async acquire(signal?: AbortSignal, deadlineMs?: number): Promise<boolean> {
		if (signal?.aborted) return false;
		if (this.running < this.limit) {
			this.running++;
			return true;
		}
		const stops = [signal, deadlineMs === undefined ? undefined : AbortSignal.timeout(Math.max(0, deadlineMs - Date.now()))];
		const giveUp = AbortSignal.any(stops.filter((stop): stop is AbortSignal => stop !== undefined));
		while (this.running >= this.limit && !giveUp.aborted) {
			await new Promise<void>((resolve) => {
				const done = () => {
					giveUp.removeEventListener('abort', done);
					this.waiters.delete(done);
					resolve();
				};
				giveUp.addEventListener('abort', done, { once: true });
				this.waiters.add(done);
			});
		}
		if (giveUp.aborted) return false;
		this.running++;
		return true;
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

	private wake(): void {
		for (const waiter of [...this.waiters]) waiter();
	}
}
