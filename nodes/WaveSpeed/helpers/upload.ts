import type { IExecuteFunctions } from 'n8n-workflow';

import { apiRequest, getHttpStatus } from '../transport';
import { putFile } from '../transport/files';
import type { BinaryImage } from './imageInputs';
import type { LegacyUploadResult, UploadTicket } from './types';

const TICKET_PATH = '/api/v3/media/uploads';
const LEGACY_UPLOAD_PATH = '/api/v3/media/upload/binary';

/** Per execution: the same bytes are uploaded once, however many items use them. */
export interface UploadSession {
	urlsByContent: Map<string, Promise<string>>;
	/** Set once the ticket route answered 404/405, so later uploads go straight to the legacy route. */
	useLegacyRoute: boolean;
}

export function createUploadSession(): UploadSession {
	return { urlsByContent: new Map(), useLegacyRoute: false };
}

/** Uploads one image (or reuses this execution's earlier upload of the same bytes) and returns its download_url. */
export async function uploadImage(
	ctx: IExecuteFunctions,
	session: UploadSession,
	image: BinaryImage,
	itemIndex: number,
	signal?: AbortSignal,
): Promise<string> {
	const key = image.contentKey;
	const known = session.urlsByContent.get(key);
	if (known) return await known;

	const upload = uploadOnce(ctx, session, image, itemIndex, signal);
	session.urlsByContent.set(key, upload);
	// A failed upload is not remembered: the next item that needs the bytes tries again.
	upload.catch(() => session.urlsByContent.delete(key));
	return await upload;
}

async function uploadOnce(
	ctx: IExecuteFunctions,
	session: UploadSession,
	image: BinaryImage,
	itemIndex: number,
	signal?: AbortSignal,
): Promise<string> {
	if (!session.useLegacyRoute) {
		const outcome = await uploadWithTicket(ctx, image, itemIndex, signal).then(
			(url) => ({ url }),
			(error: Error) => ({ error }),
		);
		if ('url' in outcome) return outcome.url;
		const status = getHttpStatus(outcome.error);
		if (status !== 404 && status !== 405) throw outcome.error;
		// A gateway without the ticket route: learnt once per execution.
		session.useLegacyRoute = true;
	}
	return await uploadMultipart(ctx, image, itemIndex, signal);
}

/** SDK 0.3.x flow: ask for a presigned URL, PUT the bytes there (no API key), then use the download_url. */
async function uploadWithTicket(
	ctx: IExecuteFunctions,
	image: BinaryImage,
	itemIndex: number,
	signal?: AbortSignal,
): Promise<string> {
	const ticket = await apiRequest<UploadTicket>(ctx, {
		method: 'POST',
		path: TICKET_PATH,
		kind: 'upload',
		itemIndex,
		signal,
		body: { filename: image.fileName, size: image.sizeBytes, content_type: image.mimeType },
	});
	await putFile(ctx, {
		url: ticket.upload.url,
		method: ticket.upload.method,
		headers: ticket.upload.headers ?? {},
		openBody: image.open,
		sizeBytes: image.sizeBytes,
		itemIndex,
		signal,
	});
	return ticket.download_url;
}

/** SDK 0.2.x flow: one multipart POST through the API gateway (the whole file in memory: legacy gateways only). */
async function uploadMultipart(
	ctx: IExecuteFunctions,
	image: BinaryImage,
	itemIndex: number,
	signal?: AbortSignal,
): Promise<string> {
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
		itemIndex,
		signal,
		headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` },
		body: Buffer.concat([head, await ctx.helpers.binaryToBuffer(await image.open()), tail]),
	});
	return result.download_url;
}
