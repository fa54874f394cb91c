import { AttemptFailure, withRetries } from '../../../../nodes/WaveSpeed/transport/retryLoop';

describe('retry loop', () => {
	it('never busy-loops on "Retry-After: 0": the backoff is the least it waits', async () => {
		let attempts = 0;
		const rateLimited = async () => {
			attempts++;
			throw new AttemptFailure({ type: 'status', statusCode: 429 }, 'Too many requests', 0);
		};
		await expect(withRetries({ kind: 'read', deadlineMs: Date.now() + 1200 }, rateLimited)).rejects.toThrow('Too many requests');
		// Backoff of at least 250, 500, 1000 ms: at most 3 attempts fit in 1.2 s (without it, all 12 run at once).
		expect(attempts).toBeLessThanOrEqual(3);
	});
});
