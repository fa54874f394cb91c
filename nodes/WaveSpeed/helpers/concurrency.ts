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
