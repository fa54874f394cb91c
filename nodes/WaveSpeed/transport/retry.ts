/** Which failures may be retried for which kind of request, and how long to wait. Pure. */

/**
 * `submit` creates a billed task, so it is repeated only when WaveSpeed cannot have created one: a 429, or a
 * connection that failed before the request was sent. Everything else is free to repeat.
 */
export type RequestKind = 'submit' | 'read' | 'upload' | 'download';

export type Failure =
	| { type: 'status'; statusCode: number }
	| { type: 'network'; code: string }
	| { type: 'badBody' };

export const RETRYABLE_STATUS_CODES = [429, 500, 502, 503, 504];

/** Network errors that mean nothing reached the server, so even a submit is safe to repeat. */
const NOT_SENT_CODES = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'];

const RETRYABLE_NETWORK_CODES = [
	...NOT_SENT_CODES,
	'ECONNRESET',
	'ETIMEDOUT',
	'ECONNABORTED',
	'EPIPE',
	'ESOCKETTIMEDOUT',
	'ERR_SOCKET_CONNECTION_TIMEOUT',
	'UND_ERR_SOCKET',
	'EPROTO',
];

export function isRetryable(kind: RequestKind, failure: Failure): boolean {
	if (kind === 'submit') {
		if (failure.type === 'status') return failure.statusCode === 429;
		return failure.type === 'network' && NOT_SENT_CODES.includes(failure.code);
	}
	if (failure.type === 'status') return RETRYABLE_STATUS_CODES.includes(failure.statusCode);
	if (failure.type === 'network') return RETRYABLE_NETWORK_CODES.includes(failure.code);
	return true;
}

/** A submit that failed after it may have reached WaveSpeed: a task may exist and be billed. */
export function mayHaveCreatedTask(failure: Failure): boolean {
	if (failure.type === 'status') return failure.statusCode >= 500;
	if (failure.type === 'network') return !NOT_SENT_CODES.includes(failure.code);
	return true;
}

export interface RetryPolicy {
	maxAttempts: number;
	baseDelayMs: number;
	maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 500, maxDelayMs: 30_000 };
/** Rate limits are expected on small accounts with big batches: wait them out for longer. */
export const RATE_LIMIT_MAX_ATTEMPTS = 12;

/** A Retry-After is honoured as sent, up to this (the item's own time limit bounds it too). */
export const MAX_RETRY_AFTER_MS = 120_000;

/** Retry-After is either delay-seconds or an HTTP date. */
export function parseRetryAfterMs(value: unknown, nowMs: number): number | undefined {
	if (typeof value !== 'string' && typeof value !== 'number') return undefined;
	const text = String(value).trim();
	if (text === '') return undefined;
	if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
	const dateMs = Date.parse(text);
	if (Number.isNaN(dateMs)) return undefined;
	return Math.max(0, dateMs - nowMs);
}

/**
 * Exponential backoff with "equal jitter" (half fixed, half random) so a batch that hit the limit together does
 * not come back together. A Retry-After from the server is the wait, as sent: it replaces the backoff (a server
 * that says "1 s" on every refusal means 1 s, not 1, 2, 4, 8 s), capped so a bad header cannot stall the item, and
 * never shorter than the first backoff step (`Retry-After: 0` or a past date would make a busy loop).
 */
export function getRetryDelayMs(
	attempt: number,
	policy: RetryPolicy,
	retryAfterMs: number | undefined,
	random: () => number = Math.random,
): number {
	const backoffAt = (step: number) => {
		const exponentialMs = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** step);
		return Math.round(exponentialMs / 2 + random() * (exponentialMs / 2));
	};
	if (retryAfterMs === undefined) return backoffAt(attempt);
	return Math.min(Math.max(retryAfterMs, backoffAt(0)), MAX_RETRY_AFTER_MS);
}
