import { AttemptFailure, withRetries } from '../../../../nodes/WaveSpeed/transport/retryLoop';

describe('retry loop', () => {
	it('never busy-loops on "Retry-After: 0": it pauses at least the first backoff step', async () => {
		let attempts = 0;
		const rateLimited = async () => {
			attempts++;
			throw new AttemptFailure({ type: 'status', statusCode: 429 }, 'Too many requests', 0);
		};
		await expect(withRetries({ kind: 'read', deadlineMs: Date.now() + 1200 }, rateLimited)).rejects.toThrow('Too many requests');
		// Pauses of at least 250 ms: at most 5 attempts fit in 1.2 s (without them, all 12 run at once).
		expect(attempts).toBeLessThanOrEqual(5);
		expect(attempts).toBeGreaterThanOrEqual(2);
	});
});
