import {
	DEFAULT_RETRY_POLICY,
	getRetryDelayMs,
	isRetryable,
	mayHaveCreatedTask,
	parseRetryAfterMs,
} from '../../../../nodes/WaveSpeed/transport/retry';

describe('retry rules', () => {
	it.each([429, 500, 502, 503, 504])('retries a read, upload or download on %i', (statusCode) => {
		for (const kind of ['read', 'upload', 'download'] as const) {
			expect(isRetryable(kind, { type: 'status', statusCode })).toBe(true);
		}
	});

	it.each([400, 401, 403, 404, 413])('never retries %i', (statusCode) => {
		for (const kind of ['submit', 'read', 'upload', 'download'] as const) {
			expect(isRetryable(kind, { type: 'status', statusCode })).toBe(false);
		}
	});

	it('retries reads on resets, time-outs and unreadable JSON', () => {
		expect(isRetryable('read', { type: 'network', code: 'ECONNRESET' })).toBe(true);
		expect(isRetryable('read', { type: 'network', code: 'ECONNABORTED' })).toBe(true);
		expect(isRetryable('read', { type: 'badBody' })).toBe(true);
	});

	it('repeats a submit only where no task can exist: 429 or a connection never made', () => {
		expect(isRetryable('submit', { type: 'status', statusCode: 429 })).toBe(true);
		expect(isRetryable('submit', { type: 'network', code: 'ECONNREFUSED' })).toBe(true);
		for (const failure of [
			{ type: 'status', statusCode: 500 },
			{ type: 'status', statusCode: 504 },
			{ type: 'network', code: 'ECONNRESET' },
			{ type: 'network', code: 'ECONNABORTED' },
			{ type: 'badBody' },
		] as const) {
			expect(isRetryable('submit', failure)).toBe(false);
			expect(mayHaveCreatedTask(failure)).toBe(true);
		}
		expect(mayHaveCreatedTask({ type: 'status', statusCode: 400 })).toBe(false);
		expect(mayHaveCreatedTask({ type: 'network', code: 'ECONNREFUSED' })).toBe(false);
	});

	it('reads Retry-After as seconds or as an HTTP date', () => {
		const nowMs = Date.parse('2026-01-01T00:00:00Z');
		expect(parseRetryAfterMs('3', nowMs)).toBe(3000);
		expect(parseRetryAfterMs('0', nowMs)).toBe(0);
		expect(parseRetryAfterMs('Thu, 01 Jan 2026 00:00:05 GMT', nowMs)).toBe(5000);
		expect(parseRetryAfterMs(undefined, nowMs)).toBeUndefined();
		expect(parseRetryAfterMs('soon', nowMs)).toBeUndefined();
	});

	it('backs off exponentially with jitter, capped, and takes Retry-After as the wait', () => {
		const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1000 };
		expect(getRetryDelayMs(0, policy, undefined, () => 0)).toBe(50);
		expect(getRetryDelayMs(0, policy, undefined, () => 1)).toBe(100);
		expect(getRetryDelayMs(3, policy, undefined, () => 1)).toBe(800);
		expect(getRetryDelayMs(10, policy, undefined, () => 1)).toBe(1000);
		expect(getRetryDelayMs(0, policy, 700)).toBe(700);
		// A Retry-After replaces the backoff however many refusals came before (it was a minimum: 1, 2, 4 s… here).
		expect(getRetryDelayMs(5, policy, 300, () => 1)).toBe(300);
		// Retry-After: 0 still pauses, for the first backoff step only.
		expect(getRetryDelayMs(8, policy, 0, () => 1)).toBe(100);
		// Retry-After is honoured as sent, up to two minutes.
		expect(getRetryDelayMs(0, policy, 60_000)).toBe(60_000);
		expect(getRetryDelayMs(0, policy, 600_000)).toBe(120_000);
	});
});
