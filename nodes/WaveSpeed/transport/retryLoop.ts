import { sleepUnlessAborted } from './sleep';
import type { Failure, RequestKind, RetryPolicy } from './retry';
import {
	DEFAULT_RETRY_POLICY,
	RATE_LIMIT_MAX_ATTEMPTS,
	getRetryDelayMs,
	isRetryable,
} from './retry';

/** One failed attempt, in terms the retry rules understand. */
export class AttemptFailure extends Error {
	attempts = 1;

	constructor(
		readonly failure: Failure,
		message: string,
		readonly retryAfterMs?: number,
	) {
		super(message);
	}
}

export class Cancelled extends Error {
	constructor() {
		super('The execution was cancelled');
	}
}

const ERROR_CODE = /^(E[A-Z_]+|UND_ERR_[A-Z_]+|ERR_[A-Z_]+)$/;

/**
 * Node's and axios's error code, which n8n's helpers wrap: n8n-workflow 2.x keeps the original error as `cause`;
 * 1.x moves its code to `httpCode` and its text to `messages`.
 */
export function getNetworkErrorCode(error: unknown): string | undefined {
	let current: unknown = error;
	for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
		const { code, httpCode, message, messages } = current as Record<string, unknown>;
		for (const candidate of [code, httpCode]) {
			if (typeof candidate === 'string' && ERROR_CODE.test(candidate)) return candidate;
		}
		const texts = [message, ...(Array.isArray(messages) ? messages : [])].filter((text) => typeof text === 'string');
		for (const text of texts as string[]) {
			if (/socket hang up/i.test(text)) return 'ECONNRESET';
			if (/timeout of \d+ms exceeded/i.test(text)) return 'ECONNABORTED';
		}
		current = (current as { cause?: unknown }).cause;
	}
	return undefined;
}

export interface RetryOptions {
	kind: RequestKind;
	signal?: AbortSignal;
	policy?: RetryPolicy;
	/** No retry waits past this time (epoch ms): the last failure is reported instead. */
	deadlineMs?: number;
	/** False: a 429 is not retried here (the caller has its own way to wait). */
	retryRateLimit?: boolean;
}

/**
 * Runs `attempt` until it succeeds, or fails in a way the rules for `kind` do not retry. Rejects with the last
 * AttemptFailure (its `attempts` set), with Cancelled when `signal` aborts, or with any other error as thrown.
 */
export async function withRetries<T>(options: RetryOptions, attempt: () => Promise<T>): Promise<T> {
	const policy = options.policy ?? DEFAULT_RETRY_POLICY;
	for (let attemptIndex = 0; ; attemptIndex++) {
		if (options.signal?.aborted) throw new Cancelled();
		let caught: unknown;
		try {
			return await attempt();
		} catch (error) {
			caught = error;
		}
		const failure = toAttemptFailure(caught);
		// A submit that failed after sending must say a task may exist, even while the item is being stopped.
		if (options.signal?.aborted && !(options.kind === 'submit' && failure)) throw new Cancelled();
		if (!failure) throw caught;
		failure.attempts = attemptIndex + 1;
		const isRateLimit = failure.failure.type === 'status' && failure.failure.statusCode === 429;
		const maxAttempts = isRateLimit ? RATE_LIMIT_MAX_ATTEMPTS : policy.maxAttempts;
		if (!isRetryable(options.kind, failure.failure) || failure.attempts >= maxAttempts) throw failure;
		if (isRateLimit && options.retryRateLimit === false) throw failure;
		if (options.signal?.aborted) throw new Cancelled();
		const delayMs = getRetryDelayMs(attemptIndex, policy, failure.retryAfterMs);
		if (options.deadlineMs !== undefined && Date.now() + delayMs >= options.deadlineMs) {
			// No retry fits before the limit: wait it out, so the caller reports a time-out rather than this failure.
			await sleepUnlessAborted(options.deadlineMs - Date.now(), options.signal);
			throw failure;
		}
		await sleepUnlessAborted(delayMs, options.signal);
	}
}

/** A failure the retry rules can judge, or undefined for anything else (a bug, a bad URL, an abort). */
function toAttemptFailure(error: unknown): AttemptFailure | undefined {
	if (error instanceof AttemptFailure) return error;
	const code = getNetworkErrorCode(error);
	if (code === undefined || code === 'ERR_CANCELED') return undefined;
	return new AttemptFailure({ type: 'network', code }, describeNetworkError(code));
}

/** In words only: n8n's errors replace any message that names a code like ECONNRESET with a generic text. */
function describeNetworkError(code: string): string {
	if (code === 'ECONNREFUSED') return 'the connection was refused';
	if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET') return 'the connection was reset';
	if (code === 'ECONNABORTED' || code === 'ETIMEDOUT' || code === 'ESOCKETTIMEDOUT') return 'no reply in time';
	if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'the host name could not be resolved';
	return 'a network error';
}
