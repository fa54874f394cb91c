import type { IHttpRequestMethods, IN8nHttpFullResponse } from 'n8n-workflow';
import type { ApiContext } from './context';
import { NodeOperationError } from 'n8n-workflow';

import type { BinaryStream } from './types';

import { parseRetryAfterMs } from './retry';
import { AttemptFailure, Cancelled, withRetries } from './retryLoop';
import { peekHead, watchChunks } from './streamGuards';

/**
 * Byte transfers to hosts that are not WaveSpeed's API (presigned storage, output CDN). They use n8n's plain
 * `httpRequest` and never read the credential, so the API key cannot reach those hosts.
 */

/** Per attempt, for the whole transfer: n8n's `timeout` only covers a silent socket, not a body that drips. */
export const TRANSFER_TIMEOUT_MS = 120_000;
/** Large enough for any 4k PNG; a bigger reply is not an image WaveSpeed made. */
export const MAX_DOWNLOAD_BYTES = 100 * 1024 * 1024;
/** Enough to tell PNG, JPEG and WEBP apart, and to quote the start of a reply that is none of them. */
const PEEK_BYTES = 16;

export interface PutFileCall {
	url: string;
	method?: string;
	/** Exactly the headers the upload ticket signed, nothing added but the length. */
	headers: Record<string, string>;
	/** Called once per attempt: a stream cannot be sent twice. */
	openBody: () => Promise<Buffer | BinaryStream>;
	sizeBytes: number;
	itemIndex: number;
	signal?: AbortSignal;
	/** No attempt, and no wait before one, goes past this time (epoch ms). */
	deadlineMs?: number;
}

export async function putFile(ctx: ApiContext, call: PutFileCall): Promise<void> {
	assertHttpUrl(ctx, call.url, call.itemIndex);
	await transfer(ctx, call, 'upload', async () => {
		const window = openAttemptWindow(call);
		try {
			const response = (await ctx.helpers.httpRequest({
				method: (call.method ?? 'PUT').toUpperCase() as IHttpRequestMethods,
				url: call.url,
				// Storage wants the length up front; a stream would otherwise go out chunked.
				headers: { ...call.headers, 'Content-Length': String(call.sizeBytes) },
				body: await call.openBody(),
				encoding: 'text',
				returnFullResponse: true,
				ignoreHttpStatusErrors: true,
				timeout: window.ms,
				abortSignal: window.signal,
			})) as IN8nHttpFullResponse;
			throwUnlessOk(response);
		} catch (error) {
			throw window.timedOut() ? notFinishedIn(window.ms) : error;
		}
	});
}

export interface DownloadCall {
	url: string;
	itemIndex: number;
	signal?: AbortSignal;
	/** No attempt, and no wait before one, goes past this time (epoch ms). */
	deadlineMs?: number;
	/** A body larger than this is refused (when declared) or cut off (when sent); MAX_DOWNLOAD_BYTES by default. */
	maxBytes?: number;
}

export interface DownloadedFile {
	/**
	 * The body as it arrives, first bytes included; the consumer reads it (n8n stores it without holding it all in
	 * memory). A buffer when the whole body was in `head`.
	 */
	body: BinaryStream | Buffer;
	/** The first bytes of the body (at least 16 unless the body is shorter), read ahead to check what it is. */
	head: Buffer;
	contentType?: string;
}

/**
 * Downloads a file and hands its stream to `consume`, inside the retry loop: a reply that breaks off mid-body, stalls
 * past the attempt's time limit or grows past the size cap is fetched again, within `deadlineMs`.
 */
export async function downloadFile<T>(
	ctx: ApiContext,
	call: DownloadCall,
	consume: (file: DownloadedFile) => Promise<T>,
): Promise<T> {
	assertHttpUrl(ctx, call.url, call.itemIndex);
	const maxBytes = call.maxBytes ?? MAX_DOWNLOAD_BYTES;
	return await transfer(ctx, call, 'download', async () => {
		const window = openAttemptWindow(call);
		let body: BinaryStream | undefined;
		let limitHit: AttemptFailure | undefined;
		const stop = (failure: AttemptFailure) => {
			limitHit ??= failure;
			body?.destroy(limitHit);
		};
		const onWindowClosed = () => stop(notFinishedIn(window.ms));
		window.signal.addEventListener('abort', onWindowClosed, { once: true });
		try {
			const response = (await ctx.helpers.httpRequest({
				method: 'GET',
				url: call.url,
				encoding: 'stream',
				returnFullResponse: true,
				ignoreHttpStatusErrors: true,
				timeout: window.ms,
				abortSignal: window.signal,
			})) as IN8nHttpFullResponse;
			body = response.body as BinaryStream;
			if (limitHit || window.signal.aborted) stop(limitHit ?? notFinishedIn(window.ms));
			throwUnlessOk(response);
			const declaredBytes = Number(response.headers?.['content-length']);
			if (declaredBytes > maxBytes) stop(tooLarge(maxBytes, `declares ${formatMegabytes(declaredBytes)}`));
			if (limitHit) throw limitHit;

			const { head, ended } = await peekHead(body, PEEK_BYTES);
			let receivedBytes = 0;
			watchChunks(body, (chunk) => {
				receivedBytes += chunk.length;
				if (receivedBytes > maxBytes) limitHit ??= tooLarge(maxBytes, 'grew past that');
				return receivedBytes > maxBytes ? limitHit : undefined;
			});
			const contentType = response.headers?.['content-type'];
			return await consume({
				body: ended ? head : body,
				head,
				contentType: typeof contentType === 'string' ? contentType : undefined,
			});
		} catch (error) {
			body?.destroy();
			throw limitHit ?? error;
		} finally {
			window.signal.removeEventListener('abort', onWindowClosed);
		}
	});
}

interface AttemptWindow {
	/** Aborts when the item is stopped or the attempt's time is up. */
	signal: AbortSignal;
	ms: number;
	timedOut: () => boolean;
}

/** One attempt's time: the transfer limit, or less when the deadline is nearer. */
function openAttemptWindow(call: { signal?: AbortSignal; deadlineMs?: number }): AttemptWindow {
	const leftMs = call.deadlineMs === undefined ? Infinity : call.deadlineMs - Date.now();
	const ms = Math.round(Math.min(TRANSFER_TIMEOUT_MS, leftMs));
	if (ms <= 0) throw new AttemptFailure({ type: 'network', code: 'ETIMEDOUT' }, "no time was left within the item's Timeout");
	const timer = AbortSignal.timeout(ms);
	return { signal: call.signal ? AbortSignal.any([call.signal, timer]) : timer, ms, timedOut: () => timer.aborted };
}

/** Retried like a time-out, which it is. */
function notFinishedIn(ms: number): AttemptFailure {
	return new AttemptFailure({ type: 'network', code: 'ETIMEDOUT' }, `the transfer did not finish within ${formatSeconds(ms)}`);
}

/** Retried like a body that broke off: a CDN may have sent the wrong file this once. */
function tooLarge(maxBytes: number, what: string): AttemptFailure {
	return new AttemptFailure({ type: 'badBody' }, `the reply is larger than ${formatMegabytes(maxBytes)} (it ${what})`);
}

function formatSeconds(ms: number): string {
	return `${Number((ms / 1000).toFixed(1))} s`;
}

function formatMegabytes(bytes: number): string {
	return `${Number((bytes / 1024 / 1024).toFixed(1))} MB`;
}

function throwUnlessOk(response: IN8nHttpFullResponse): void {
	const { statusCode } = response;
	if (statusCode >= 200 && statusCode < 300) return;
	(response.body as BinaryStream | undefined)?.destroy?.();
	const retryAfterMs = parseRetryAfterMs(response.headers?.['retry-after'], Date.now());
	throw new AttemptFailure({ type: 'status', statusCode }, `HTTP ${statusCode}`, retryAfterMs);
}

async function transfer<T>(
	ctx: ApiContext,
	call: { itemIndex: number; signal?: AbortSignal; deadlineMs?: number },
	kind: 'upload' | 'download',
	attempt: () => Promise<T>,
): Promise<T> {
	const { itemIndex, signal, deadlineMs } = call;
	try {
		return await withRetries({ kind, signal, deadlineMs }, attempt);
	} catch (error) {
		throw toTransferError(ctx, kind, itemIndex, error);
	}
}

function toTransferError(ctx: ApiContext, kind: 'upload' | 'download', itemIndex: number, error: unknown): Error {
	if (error instanceof Cancelled) return new NodeOperationError(ctx.getNode(), error.message, { itemIndex });
	// The consumer's own verdict on what arrived (not an image, say), already in words for the user.
	if (error instanceof NodeOperationError) return error;
	const what = kind === 'upload' ? 'Uploading the image to WaveSpeed storage' : 'Downloading the result image';
	const tries = error instanceof AttemptFailure && error.attempts > 1 ? ` after ${error.attempts} attempts` : '';
	const nodeError = new NodeOperationError(ctx.getNode(), `${what} failed${tries}: ${(error as Error).message}`, { itemIndex });
	// The host's answer, for callers that decide by it (an Idempotency Key's earlier result that is gone: 403/404/410).
	if (error instanceof AttemptFailure && error.failure.type === 'status') nodeError.context.transferStatus = error.failure.statusCode;
	return nodeError;
}

/** A download the host refused because the file is gone or no longer shared (403, 404, 410): asking again is no use. */
export function isTransferGone(error: unknown): boolean {
	const status = (error as { context?: { transferStatus?: unknown } } | undefined)?.context?.transferStatus;
	return status === 403 || status === 404 || status === 410;
}

function assertHttpUrl(ctx: ApiContext, url: string, itemIndex: number): void {
	if (!/^https?:\/\//i.test(url)) {
		throw new NodeOperationError(ctx.getNode(), `WaveSpeed returned a URL that is not http(s): ${url}`, {
			itemIndex,
		});
	}
}
