import type {
	IDataObject,
	IHttpRequestMethods,
	IHttpRequestOptions,
	IN8nHttpFullResponse,
	JsonObject,
} from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import type { Envelope } from './types';
import { readBaseUrl } from './baseUrl';
import { CLIENT_HEADERS } from './clientHeaders';
import type { ApiContext } from './context';
import { CREDENTIAL_TYPE, readCredential } from './credential';
import type { RequestKind } from './retry';
import { mayHaveCreatedTask, parseRetryAfterMs } from './retry';
import { AttemptFailure, Cancelled, withRetries } from './retryLoop';

export type { ApiContext } from './context';

export { CREDENTIAL_TYPE } from './credential';

const DEFAULT_API_TIMEOUT_MS = 60_000;

/**
 * A call that no item's Timeout bounds: only where that is meant (Get Balance, which has no Timeout). Each attempt
 * still has its own time limit and the retries are few. Everything an item does passes the
 * item's deadline instead, so leaving the bound out is a type error, not a silent wait.
 */
export const NO_DEADLINE = Number.POSITIVE_INFINITY;

export interface ApiCall {
	method: IHttpRequestMethods;
	path: string;
	kind: RequestKind;
	itemIndex: number;
	body?: IDataObject | Buffer;
	headers?: IDataObject;
	/** Per attempt: a hung connection fails the attempt instead of stalling the item. */
	timeoutMs?: number;
	signal?: AbortSignal;
	/** No attempt, and no wait before one, goes past this time (epoch ms), or NO_DEADLINE where nothing bounds the call. */
	deadlineMs: number;
	/**
	 * The attempt's own `timeoutMs` is not cut at the deadline: a sync-mode submit, whose held reply is the only place
	 * the id of a billed task arrives. The deadline still bounds any wait before an attempt.
	 */
	awaitReplyInFull?: boolean;
	/** False: a 429 fails the call at once, with WaveSpeed's Retry-After in the error (see getRetryAfterMs). */
	retryRateLimit?: boolean;
	/** Query parameters, e.g. a submit's `webhook`. */
	qs?: IDataObject;
	/** A 2xx JSON object without the envelope's `data` is returned whole (replies whose shape is undocumented). */
	acceptBareReply?: boolean;
}

/** Why a call failed, for callers that react to it (a 404 on the upload route, an unknown task id). */
export function getHttpStatus(error: unknown): number | undefined {
	const httpCode = (error as NodeApiError | undefined)?.httpCode;
	return httpCode ? Number(httpCode) : undefined;
}

/**
 * Calls WaveSpeed's API with the credential's key and base URL, unwraps the `{code, message, data}` envelope and
 * retries what the rules in ./retry allow. The only place that reads the credential.
 */
export async function apiRequest<T>(ctx: ApiContext, call: ApiCall): Promise<T> {
	const credential = await readCredential(ctx, call.itemIndex);
	const credentials = credential.data ?? {};
	const baseUrl = readBaseUrl(ctx, credentials, call.itemIndex);
	const apiKey = String(credentials.apiKey ?? '');

	const sendOnce = async (): Promise<T> => {
		const timeoutMs = call.timeoutMs ?? DEFAULT_API_TIMEOUT_MS;
		const remainingMs = call.awaitReplyInFull ? timeoutMs : Math.max(1, call.deadlineMs - Date.now());
		const options: IHttpRequestOptions = {
			method: call.method,
			url: `${baseUrl}${call.path}`,
			body: call.body,
			qs: call.qs,
			headers: { ...CLIENT_HEADERS, ...(call.headers ?? {}) },
			json: !Buffer.isBuffer(call.body),
			// The raw text, so an unreadable body is told apart from a good one instead of passed on as a string.
			encoding: 'text',
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			timeout: Math.min(timeoutMs, remainingMs),
			// A redirect would carry the key to whatever host it names (n8n re-adds it across origins by default).
			disableFollowRedirect: true,
			sendCredentialsOnCrossOriginRedirect: false,
			abortSignal: call.signal,
		};
		if (call.kind === 'submit') {
			// A submit is never aborted half-way: its reply says whether a billed task exists, and which. n8n's
			// httpRequestWithAuthentication replaces any abort signal with the execution's, so a Stop would cut the reply
			// off after WaveSpeed created the task. The submit therefore goes through the plain helper, with the same
			// Bearer header the credential's `authenticate` sets, no signal, and only its own timeout.
			const headers = { ...options.headers, Authorization: `Bearer ${apiKey}` };
			const submit = ctx.helpers.httpRequest({ ...options, headers, abortSignal: undefined });
			return unwrapEnvelope<T>((await submit) as IN8nHttpFullResponse);
		}
		// Handed the credential read once for the run (./credential), the helper does not decrypt it again per request.
		const request = ctx.helpers.httpRequestWithAuthentication.call(ctx, CREDENTIAL_TYPE, options, { credentialsDecrypted: credential });
		// n8n swaps our signal for the execution's own, so a fail-fast abort would wait for a slow reply: abandon it.
		return unwrapEnvelope<T>(await abandonOnAbort(request as Promise<IN8nHttpFullResponse>, call.signal), call.acceptBareReply);
	};

	try {
		const { kind, signal, deadlineMs, retryRateLimit } = call;
		return await withRetries({ kind, signal, deadlineMs, retryRateLimit }, sendOnce);
	} catch (error) {
		throw toNodeError(ctx, call, error, apiKey);
	}
}

/** Settles with the request, or with Cancelled as soon as `signal` aborts (the reply, if any, is ignored). */
async function abandonOnAbort<R>(request: Promise<R>, signal: AbortSignal | undefined): Promise<R> {
	if (!signal) return await request;
	if (signal.aborted) throw new Cancelled();
	let onAbort = () => {};
	const aborted = new Promise<never>((_, reject) => {
		onAbort = () => reject(new Cancelled());
		signal.addEventListener('abort', onAbort, { once: true });
	});
	try {
		return await Promise.race([request, aborted]);
	} finally {
		signal.removeEventListener('abort', onAbort);
		request.catch(() => {}); // an abandoned request may still fail later
	}
}

function unwrapEnvelope<T>(response: IN8nHttpFullResponse, acceptBareReply = false): T {
	const { statusCode } = response;
	const reply = parseReply(response.body);
	const envelope = reply && 'data' in reply ? (reply as unknown as Envelope<never>) : undefined;
	const message = describeServerError(reply) || response.statusMessage || `HTTP ${statusCode}`;
	const retryAfterMs = parseRetryAfterMs(response.headers?.['retry-after'], Date.now());

	if (statusCode < 200 || statusCode >= 300) {
		throw new AttemptFailure({ type: 'status', statusCode }, message, retryAfterMs);
	}
	if (!envelope && reply && acceptBareReply) return reply as T;
	if (!envelope) {
		const why = reply ? 'JSON without data' : 'not JSON';
		throw new AttemptFailure({ type: 'badBody' }, `an unreadable reply (HTTP ${statusCode}, ${why})`);
	}
	// The envelope code mirrors the HTTP status; a gateway that answers 200 around an error still means the error.
	if (typeof envelope.code === 'number' && envelope.code >= 400) {
		throw new AttemptFailure({ type: 'status', statusCode: envelope.code }, message, retryAfterMs);
	}
	if (envelope.data === null || envelope.data === undefined) {
		throw new AttemptFailure({ type: 'badBody' }, `a reply without data (HTTP ${statusCode})`);
	}
	return envelope.data;
}

function parseReply(body: unknown): Record<string, unknown> | undefined {
	let value = body;
	if (Buffer.isBuffer(value)) value = value.toString('utf8');
	if (typeof value === 'string') {
		try {
			value = JSON.parse(value);
		} catch {
			return undefined;
		}
	}
	return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/**
 * WaveSpeed's own words for an error, whatever the shape: the envelope's `message`, a bare `{"error": …}` (400s), or
 * `{"message": …, "error_code": …}`; its code is appended when there is one.
 */
export function describeServerError(reply: Record<string, unknown> | undefined): string {
	if (!reply) return '';
	const text = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? value.trim() : '');
	const message = text(reply.error) || text(reply.message) || text(reply.detail);
	const code = text(reply.error_code) || (typeof reply.error_code === 'number' ? String(reply.error_code) : '');
	if (!message) return code ? `error code ${code}` : '';
	return code && !message.includes(code) ? `${message} (${code})` : message;
}

function toNodeError(ctx: ApiContext, call: ApiCall, error: unknown, apiKey: string): Error {
	const redact = (text: string) => (apiKey.length >= 4 ? text.split(apiKey).join('***') : text);
	if (error instanceof Cancelled) {
		return new NodeOperationError(ctx.getNode(), error.message, { itemIndex: call.itemIndex });
	}
	if (!(error instanceof AttemptFailure)) {
		// Not an HTTP outcome (a bad URL, a credential problem): keep n8n's message but never the request it carried.
		const message = redact((error as Error)?.message ?? String(error));
		return new NodeOperationError(ctx.getNode(), message, { itemIndex: call.itemIndex });
	}

	const { failure, attempts } = error;
	const statusCode = failure.type === 'status' ? failure.statusCode : undefined;
	const serverMessage = redact(error.message);
	const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
	let message: string;
	let description: string | undefined;

	const submitOutcomeUnknown = call.kind === 'submit' && mayHaveCreatedTask(failure);
	if (submitOutcomeUnknown) {
		message = `WaveSpeed may have created this task, but its reply was lost: ${serverMessage}`;
		description =
			'The task was not submitted again, so it is not billed twice. Check your WaveSpeed dashboard for a task ' +
			'created at this time before you run this item again (n8n\'s "Retry On Fail" would submit and pay again).';
	} else if (isInsufficientBalanceReply(statusCode, error.message)) {
		message = `WaveSpeed refused this for insufficient balance (${statusCode}): ${serverMessage}`;
		description = 'Nothing was billed for it. Top up the WaveSpeed account, then run the items that did not run again.';
	} else if (statusCode === 401) {
		message = 'WaveSpeed did not accept the API key: it is invalid, or not activated yet';
		description = 'Keys work only after the account\'s first top-up. Check the "WaveSpeed AI API" credential.';
	} else if (statusCode === 403) {
		message = `WaveSpeed refused the request (403): ${serverMessage}`;
		description =
			"The API key's role does not allow this endpoint (WaveSpeed's message above says which), or the account is " +
			'suspended. Check the key\'s role in the WaveSpeed dashboard.';
	} else if (statusCode === 413) {
		message = `The image is too large for WaveSpeed (413): ${serverMessage}`;
	} else if (statusCode === 429) {
		message = `WaveSpeed is rate limiting this account (429)${tries}: ${serverMessage}`;
		description = 'Lower "Max Concurrency" in the options, or raise the account\'s tier.';
	} else if (statusCode !== undefined) {
		message = `WaveSpeed answered ${statusCode}${tries}: ${serverMessage}`;
	} else {
		message = `WaveSpeed could not be reached${tries}: ${serverMessage}`;
	}

	let nodeError: NodeApiError | NodeOperationError;
	if (failure.type === 'network') {
		const withCode = [description, `Network error code: ${failure.code}.`].filter(Boolean).join(' ');
		nodeError = new NodeOperationError(ctx.getNode(), message, { description: withCode, itemIndex: call.itemIndex });
	} else {
		nodeError = new NodeApiError(
			ctx.getNode(),
			{ message, description: description ?? '' } as JsonObject,
			{ message, description, httpCode: statusCode ? String(statusCode) : undefined, itemIndex: call.itemIndex },
		);
	}
	if (submitOutcomeUnknown) nodeError.context.submitOutcomeUnknown = true;
	if (error.retryAfterMs !== undefined) nodeError.context.retryAfterMs = error.retryAfterMs;
	if (statusCode === 429 && /concurren/i.test(error.message)) nodeError.context.accountConcurrencyFull = true;
	if (isInsufficientBalanceReply(statusCode, error.message)) nodeError.context.insufficientBalance = true;
	return nodeError;
}

/** How long WaveSpeed asked to wait (Retry-After) before a call failed, if it said. */
export function getRetryAfterMs(error: unknown): number | undefined {
	const value = (error as { context?: { retryAfterMs?: unknown } } | undefined)?.context?.retryAfterMs;
	return typeof value === 'number' ? value : undefined;
}

/**
 * A 429 that says the account already runs as many tasks as its tier allows ("too many concurrent tasks"), as opposed
 * to a per-minute rate limit: only this one means fewer tasks at once would be accepted.
 */
export function isAccountConcurrencyFull(error: unknown): boolean {
	return (error as { context?: { accountConcurrencyFull?: unknown } } | undefined)?.context?.accountConcurrencyFull === true;
}

/**
 * WaveSpeed refused for the account's balance. No public source gives that reply, so this is an assumption (see
 * ARCHITECTURE.md): HTTP 402, or a 400/403 that says so, either as an error code (`insufficient_balance`,
 * `INSUFFICIENT_CREDITS`, `insufficient_funds`, `balanceNotEnough`) or in words ("Insufficient balance", "Your account
 * balance ($0.02) is insufficient", "You do not have enough credits"). Whole words only, and the balance must be the
 * account's: "white_balance is too low", "color balance is insufficient" or "load balancer" are other 400s.
 */
export function isInsufficientBalanceReply(statusCode: number | undefined, text: string): boolean {
	if (statusCode === 402) return true;
	if (statusCode !== 400 && statusCode !== 403) return false;
	return SHORTFALL_IN_WORDS.some((pattern) => pattern.test(text)) || (text.match(CODE_TOKEN) ?? []).some((token) => SHORTFALL_CODE.test(splitCode(token)));
}

/** What the account pays with. */
const MONEY = String.raw`(?:balance|credits?|funds?)`;
/** Between a word and the next: spaces, or an amount in passing ("balance ($0.02) is", "balance of $0.02 is"). */
const GAP = String.raw`\s+(?:(?:of\s+)?\(?[$€£]?\s?\d[\d.,]*\s?(?:usd|credits?)?\)?\s+)?`;
/**
 * Where "balance" or "credits" may start a phrase about the account: the start of the text or of a clause, or after
 * a word that makes it the account's. Anything else before it ("white balance", "color balance") is not money.
 */
const ACCOUNT_LEAD = String.raw`(?:^|[.:;,!?(\[{"']\s*|\b(?:your|the|my|account|wallet|available|current|remaining|prepaid|credit)\s+)`;
const SHORTFALL_IN_WORDS = [
	// "Insufficient balance", "not enough credits", "You do not have enough balance", "Low balance", "out of credits"
	new RegExp(
		String.raw`\b(?:insufficient|not\s+enough|(?:do|does|did)(?:\s+not|n'?t)\s+have\s+enough|too\s+low|low)\s+(?:account\s+|wallet\s+)?${MONEY}(?![\w-])|\bout\s+of\s+(?:credits?|funds?)(?![\w-])`,
		'i',
	),
	// "Your account balance ($0.02) is insufficient", "Balance too low", "credits are not enough"
	new RegExp(String.raw`${ACCOUNT_LEAD}${MONEY}${GAP}(?:(?:is|are)\s+)?(?:insufficient|not\s+enough|too\s+low)\b`, 'i'),
];
/** An identifier-like token: snake_case, kebab-case or camelCase, as error codes are written. */
const CODE_TOKEN = /[A-Za-z][A-Za-z0-9]*(?:[_-][A-Za-z0-9]+)+|[A-Za-z][a-z0-9]*(?:[A-Z][a-z0-9]+)+/g;
/** A whole code, its words joined by spaces: `insufficient_balance`, `BALANCE_NOT_ENOUGH`, `out_of_credits`. */
const SHORTFALL_CODE = new RegExp(
	String.raw`^(?:err(?:or)?\s)?(?:(?:insufficient|not\senough|low|no)\s(?:account\s|wallet\s)?${MONEY}|(?:account\s|wallet\s)?${MONEY}\s(?:insufficient|not\senough|too\slow|exhausted|depleted)|out\sof\s(?:credits?|funds?))(?:\serror)?$`,
	'i',
);

function splitCode(token: string): string {
	return token
		.replace(/([a-z0-9])([A-Z])/g, '$1 $2')
		.split(/[_-]+/)
		.join(' ')
		.toLowerCase();
}

/** A call WaveSpeed refused for the account's balance (isInsufficientBalanceReply): nothing was billed for it. */
export function isInsufficientBalance(error: unknown): boolean {
	return (error as { context?: { insufficientBalance?: unknown } } | undefined)?.context?.insufficientBalance === true;
}

/** A submit failed after it may have reached WaveSpeed: a billed task may exist whose id nobody knows. */
export function isSubmitOutcomeUnknown(error: unknown): boolean {
	return (error as { context?: { submitOutcomeUnknown?: unknown } } | undefined)?.context?.submitOutcomeUnknown === true;
}
