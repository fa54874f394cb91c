import type { IExecuteFunctions } from 'n8n-workflow';

import { apiRequest, getHttpStatus } from '../transport';
import { putFile } from '../transport/files';
import type { BinaryImage } from './imageInputs';
import { MAX_PARALLEL_TRANSFERS, TaskSlots } from '../transport/concurrency';
import { prefixMessage } from '../transport/itemErrors';
import type { LegacyUploadResult, UploadTicket } from '../transport/types';

const TICKET_PATH = '/api/v3/media/uploads';
const LEGACY_UPLOAD_PATH = '/api/v3/media/upload/binary';

/** Per execution: the same bytes are uploaded once, however many items use them. */
export interface UploadSession {
	uploadsByContent: Map<string, SharedUpload>;
	/** Set once the ticket route answered 404/405, so later uploads go straight to the legacy route. */
	useLegacyRoute: boolean;
	/** The first ticket request, while it is the only one: uploads that start meanwhile wait to learn the route. */
	routeProbe?: Promise<unknown>;
	/** Uploads in flight at once (MAX_PARALLEL_TRANSFERS), whatever Max Concurrency is. */
	transferSlots: TaskSlots;
}

interface SharedUpload {
	url: Promise<string>;
	/** The uploaded bytes, when they are in memory. */
	bytes?: Buffer;
}

export function createUploadSession(): UploadSession {
	return { uploadsByContent: new Map(), useLegacyRoute: false, transferSlots: new TaskSlots(MAX_PARALLEL_TRANSFERS) };
}

/** Where one upload runs and how long it may take. */
interface UploadCall {
	itemIndex: number;
	signal?: AbortSignal;
	/** No request, retry or wait goes past this time (epoch ms): the item's deadline. */
	deadlineMs: number;
}

/** Uploads one image (or reuses this execution's earlier upload of the same bytes) and returns its download_url. */
export async function uploadImage(
	ctx: IExecuteFunctions,
	session: UploadSession,
	image: BinaryImage,
	itemIndex: number,
	signal: AbortSignal | undefined,
	deadlineMs: number,
): Promise<string> {
	const call: UploadCall = { itemIndex, signal, deadlineMs };
	const { contentKey: key, bytes } = await image.identify();
	const known = session.uploadsByContent.get(key);
	// The key is a SHA-256; where both byte sequences are at hand, they are compared too, so a collision cannot
	// hand this item another item's image. Bytes that differ are uploaded on their own and not shared.
	if (known && (!known.bytes || !bytes || known.bytes.equals(bytes))) return await known.url;
	const url = uploadOnce(ctx, session, image, call);
	if (known) return await url;

	session.uploadsByContent.set(key, { url, bytes });
	// A failed upload is not remembered: the next item that needs the bytes tries again.
	url.catch(() => session.uploadsByContent.delete(key));
	return await url;
}

/**
 * One upload at a time per transfer slot: at Max Concurrency 1,000 every item of a batch would otherwise open its file
 * and a socket at the same moment. Not granted (stopped, or the deadline came): the upload runs and reports that.
 */
async function uploadOnce(
	ctx: IExecuteFunctions,
	session: UploadSession,
	image: BinaryImage,
	call: UploadCall,
): Promise<string> {
	const held = await session.transferSlots.acquire(call.signal, call.deadlineMs);
	try {
		return await uploadInSlot(ctx, session, image, call);
	} finally {
		if (held) session.transferSlots.release();
	}
}

async function uploadInSlot(
	ctx: IExecuteFunctions,
	session: UploadSession,
	image: BinaryImage,
	call: UploadCall,
): Promise<string> {
	if (session.routeProbe) await session.routeProbe;
	if (!session.useLegacyRoute) {
		const outcome = await uploadWithTicket(ctx, session, image, call).then(
			(url) => ({ url }),
			(error: Error) => ({ error }),
		);
		if ('url' in outcome) return outcome.url;
		if (!isRouteMissing(outcome.error)) throw outcome.error;
		// A gateway without the ticket route: learnt once per execution.
		session.useLegacyRoute = true;
	}
	return await uploadMultipart(ctx, image, call);
}

function isRouteMissing(error: unknown): boolean {
	const status = getHttpStatus(error);
	return status === 404 || status === 405;
}

/** SDK 0.3.x flow: ask for a presigned URL, PUT the bytes there (no API key), then use the download_url. */
async function uploadWithTicket(
	ctx: IExecuteFunctions,
	session: UploadSession,
	image: BinaryImage,
	call: UploadCall,
): Promise<string> {
	const request = apiRequest<UploadTicket>(ctx, {
		method: 'POST',
		path: TICKET_PATH,
		kind: 'upload',
		...call,
		body: { filename: image.fileName, size: image.sizeBytes, content_type: image.mimeType },
	});
	if (session.routeProbe === undefined) {
		// Whatever it answers, the route is known once it has: a 404 there sends every later upload the legacy way.
		session.routeProbe = request.then(
			() => undefined,
			(error: unknown) => {
				if (isRouteMissing(error)) session.useLegacyRoute = true;
			},
		);
	}
	const ticket = await request;
	await putFile(ctx, {
		url: ticket.upload.url,
		method: ticket.upload.method,
		headers: ticket.upload.headers ?? {},
		openBody: image.open,
		sizeBytes: image.sizeBytes,
		...call,
	});
	return ticket.download_url;
}

/** SDK 0.2.x flow: one multipart POST through the API gateway (the whole file in memory: legacy gateways only). */
async function uploadMultipart(ctx: IExecuteFunctions, image: BinaryImage, call: UploadCall): Promise<string> {
	const boundary = `----n8nWaveSpeed${Date.now().toString(16)}${Math.random().toString(16).slice(2)}`;
	const safeName = image.fileName.replace(/["\r\n]/g, '_');
	const head = Buffer.from(
		`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${safeName}"\r\n` +
			`Content-Type: ${image.mimeType}\r\n\r\n`,
	);
	const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
	const result = await apiRequest<LegacyUploadResult>(ctx, {
		method: 'POST',
		path: LEGACY_UPLOAD_PATH,
		kind: 'upload',
		...call,
		headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` },
		body: Buffer.concat([head, await ctx.helpers.binaryToBuffer(await image.open()), tail]),
	});
	return result.download_url;
}

/** Uploads an item's binaries side by side; an error names the binary field it came from. */
export async function uploadBinaries(
	ctx: IExecuteFunctions,
	session: UploadSession,
	images: BinaryImage[],
	itemIndex: number,
	signal: AbortSignal,
	deadlineMs: number,
): Promise<string[]> {
	return await Promise.all(
		images.map(async (image) => {
			try {
				return await uploadImage(ctx, session, image, itemIndex, signal, deadlineMs);
			} catch (error) {
				throw prefixMessage(error, `Binary field "${image.field}"`);
			}
		}),
	);
}
