import type { IExecuteFunctions, IHttpRequestMethods, IN8nHttpFullResponse } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { BinaryStream } from '../helpers/types';

import { parseRetryAfterMs } from './retry';
import { AttemptFailure, Cancelled, withRetries } from './retryLoop';

/**
 * Byte transfers to hosts that are not WaveSpeed's API (presigned storage, output CDN). They use n8n's plain
 * `httpRequest` and never read the credential, so the API key cannot reach those hosts.
 */

const TRANSFER_TIMEOUT_MS = 120_000;

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
}

export async function putFile(ctx: IExecuteFunctions, call: PutFileCall): Promise<void> {
	assertHttpUrl(ctx, call.url, call.itemIndex);
	await transfer(ctx, call.itemIndex, 'upload', call.signal, async () => {
		const response = (await ctx.helpers.httpRequest({
			method: (call.method ?? 'PUT').toUpperCase() as IHttpRequestMethods,
			url: call.url,
			// Storage wants the length up front; a stream would otherwise go out chunked.
			headers: { ...call.headers, 'Content-Length': String(call.sizeBytes) },
			body: await call.openBody(),
			encoding: 'text',
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			timeout: TRANSFER_TIMEOUT_MS,
			abortSignal: call.signal,
		})) as IN8nHttpFullResponse;
		throwUnlessOk(response);
	});
}

export interface DownloadedFile {
	/** The body as it arrives; the consumer reads it (n8n stores it without holding it all in memory). */
	body: BinaryStream;
	contentType?: string;
}

/**
 * Downloads a file and hands its stream to `consume`, inside the retry loop: a reply that breaks off mid-body is
 * fetched again.
 */
export async function downloadFile<T>(
	ctx: IExecuteFunctions,
	url: string,
	itemIndex: number,
	signal: AbortSignal | undefined,
	consume: (file: DownloadedFile) => Promise<T>,
): Promise<T> {
	assertHttpUrl(ctx, url, itemIndex);
	return await transfer(ctx, itemIndex, 'download', signal, async () => {
		const response = (await ctx.helpers.httpRequest({
			method: 'GET',
			url,
			encoding: 'stream',
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			timeout: TRANSFER_TIMEOUT_MS,
			abortSignal: signal,
		})) as IN8nHttpFullResponse;
		const body = response.body as BinaryStream;
		if (response.statusCode < 200 || response.statusCode >= 300) body.destroy();
		throwUnlessOk(response);
		const contentType = response.headers?.['content-type'];
		return await consume({ body, contentType: typeof contentType === 'string' ? contentType : undefined });
	});
}

function throwUnlessOk(response: IN8nHttpFullResponse): void {
	const { statusCode } = response;
	if (statusCode >= 200 && statusCode < 300) return;
	const retryAfterMs = parseRetryAfterMs(response.headers?.['retry-after'], Date.now());
	throw new AttemptFailure({ type: 'status', statusCode }, `HTTP ${statusCode}`, retryAfterMs);
}

async function transfer<T>(
	ctx: IExecuteFunctions,
	itemIndex: number,
	kind: 'upload' | 'download',
	signal: AbortSignal | undefined,
	attempt: () => Promise<T>,
): Promise<T> {
	try {
		return await withRetries({ kind, signal }, attempt);
	} catch (error) {
		if (error instanceof Cancelled) throw new NodeOperationError(ctx.getNode(), error.message, { itemIndex });
		const what = kind === 'upload' ? 'Uploading the image to WaveSpeed storage' : 'Downloading the result image';
		const tries = error instanceof AttemptFailure && error.attempts > 1 ? ` after ${error.attempts} attempts` : '';
		throw new NodeOperationError(ctx.getNode(), `${what} failed${tries}: ${(error as Error).message}`, {
			itemIndex,
		});
	}
}

function assertHttpUrl(ctx: IExecuteFunctions, url: string, itemIndex: number): void {
	if (!/^https?:\/\//i.test(url)) {
		throw new NodeOperationError(ctx.getNode(), `WaveSpeed returned a URL that is not http(s): ${url}`, {
			itemIndex,
		});
	}
}
