import { AttemptFailure, withRetries } from '../../../../nodes/WaveSpeed/transport/retryLoop';

describe('retry loop', () => {
	afterEach(() => {
		jest.useRealTimers();
		jest.restoreAllMocks();
	});

	it('never busy-loops on "Retry-After: 0": it pauses at least the first backoff step', async () => {
		// On a virtual clock, with the jitter at its lowest: pauses of 250 ms, so the tries at 0, 250, 500, 750 and
		// 1000 ms fit in 1.2 s (without the pauses, all 12 run at once).
		jest.useFakeTimers({ now: 0 });
		jest.spyOn(Math, 'random').mockReturnValue(0);
		const attemptsAtMs: number[] = [];
		const rateLimited = async () => {
			attemptsAtMs.push(Date.now());
			throw new AttemptFailure({ type: 'status', statusCode: 429 }, 'Too many requests', 0);
		};
		const outcome = expect(withRetries({ kind: 'read', deadlineMs: 1200 }, rateLimited)).rejects.toThrow('Too many requests');
		await jest.advanceTimersByTimeAsync(1200);
		await outcome;
		expect(attemptsAtMs).toEqual([0, 250, 500, 750, 1000]);
	});
});
