import { createHash } from 'node:crypto';

import type { IExecuteFunctions } from 'n8n-workflow';
import { sleep } from 'n8n-workflow';

import type { BinaryStream } from '../transport/types';

import { readHeadBytes } from './imageSize';
import { parameterError } from '../transport/itemErrors';
import type { MediaType } from './mediaType';
import { sniffImageType } from './mediaType';
import { ACCEPTED_IMAGE_MIME_TYPES, MAX_IMAGES, MIN_IMAGES } from '../models/model';

export interface BinaryImage {
	field: string;
	mimeType: string;
	fileName: string;
	sizeBytes: number;
	/**
	 * What the upload de-duplicates by, read when the image is uploaded rather than when it is checked (a batch is
	 * checked whole before anything is sent, and only first bytes are read then): the SHA-256 of the bytes, and the
	 * bytes themselves where n8n holds them in memory, compared on a hit.
	 */
	identify(): Promise<ImageIdentity>;
	/** The bytes: a fresh stream each call where n8n stores them by id (filesystem, S3), else the buffer. */
	open(): Promise<Buffer | BinaryStream>;
}

export interface ImageIdentity {
	/** Same key, same bytes: the type and the SHA-256 of the bytes. */
	contentKey: string;
	bytes?: Buffer;
}

export const BINARY_PROPERTIES_PARAMETER = 'Input Binary Fields';
export const IMAGE_URLS_PARAMETER = 'Image URLs';
const SNIFF_BYTES = 16;

/** What a binary input must be, and how to say it when it is not. */
export interface BinaryFileRule {
	/** The parameter errors name. */
	parameter: string;
	sniff: (head: Buffer) => MediaType | undefined;
	/** e.g. "a PNG, JPEG or WEBP image" */
	what: string;
	hint: string;
}

const IMAGE_RULE: BinaryFileRule = {
	parameter: BINARY_PROPERTIES_PARAMETER,
	sniff: sniffImageType,
	what: 'a PNG, JPEG or WEBP image',
	hint: 'GPT Image 2 Edit accepts PNG, JPEG and WEBP inputs. Convert the file first, e.g. with the "Edit Image" node.',
};

/**
 * Checks each named binary field of the item through n8n's helpers: present, and a PNG, JPEG or WEBP by its first
 * bytes. Only those bytes are read here (a stream's head, or the start of in-memory base64), so checking a batch of
 * large images holds none of them in memory.
 */
export async function readBinaryImages(
	ctx: IExecuteFunctions,
	itemIndex: number,
	fields: string[],
): Promise<BinaryImage[]> {
	return await readBinaryFiles(ctx, itemIndex, fields, IMAGE_RULE);
}

/** As readBinaryImages, for any kind of file the rule accepts. */
export async function readBinaryFiles(
	ctx: IExecuteFunctions,
	itemIndex: number,
	fields: string[],
	rule: BinaryFileRule,
): Promise<BinaryImage[]> {
	const available = Object.keys(ctx.getInputData()[itemIndex]?.binary ?? {});
	const images: BinaryImage[] = [];
	for (const field of fields) {
		if (!available.includes(field)) {
			const have = available.length ? `the item has ${available.map((f) => `"${f}"`).join(', ')}` : 'the item has no binary data';
			throw parameterError(
				ctx.getNode(),
				itemIndex,
				rule.parameter,
				`No binary field "${field}" on this item: ${have}`,
			);
		}
		const metadata = ctx.helpers.assertBinaryData(itemIndex, field);
		const source = metadata.id
			? await describeStoredBinary(ctx, metadata.id)
			: describeBufferedBinary(metadata.data, async () => await ctx.helpers.getBinaryDataBuffer(itemIndex, field));
		const type = rule.sniff(source.head);
		if (!type) {
			throw parameterError(
				ctx.getNode(),
				itemIndex,
				rule.parameter,
				`Binary field "${field}" is not ${rule.what} (it looks like ${metadata.mimeType || 'unknown data'})`,
				rule.hint,
			);
		}
		const { mimeType, extension } = type;
		images.push({
			field,
			mimeType,
			fileName: metadata.fileName || `${field}.${extension}`,
			sizeBytes: source.sizeBytes,
			identify: once(async () => {
				const { contentKey, bytes } = await source.identify();
				return { contentKey: `${mimeType}:${contentKey}`, ...(bytes ? { bytes } : {}) };
			}),
			open: source.open,
		});
	}
	return images;
}

interface BinarySource {
	head: Buffer;
	sizeBytes: number;
	identify(): Promise<ImageIdentity>;
	open(): Promise<Buffer | BinaryStream>;
}

/** In n8n's memory mode the item holds base64: its first characters give the first bytes without decoding the rest. */
function describeBufferedBinary(base64: string, open: () => Promise<Buffer>): BinarySource {
	const head = Buffer.from(base64.slice(0, Math.ceil(SNIFF_BYTES / 3) * 4), 'base64');
	const identify = async () => {
		const bytes = await open();
		return { contentKey: await hashBytes(bytes), bytes };
	};
	return { head, sizeBytes: Buffer.byteLength(base64, 'base64'), identify, open };
}

/** Stored by id: the first bytes now; the hash in one streamed pass at upload time, never all of it in memory. */
async function describeStoredBinary(ctx: IExecuteFunctions, binaryId: string): Promise<BinarySource> {
	const open = async () => await ctx.helpers.getBinaryStream(binaryId);
	const { fileSize } = await ctx.helpers.getBinaryMetadata(binaryId);
	const identify = async () => {
		const hash = createHash('sha256');
		for await (const chunk of await open()) hash.update(chunk as Buffer);
		return { contentKey: `sha256:${hash.digest('hex')}` };
	};
	return { head: await readHeadBytes(await open(), SNIFF_BYTES), sizeBytes: Number(fileSize), identify, open };
}

/** The first call's promise, for every call. */
function once<T>(make: () => Promise<T>): () => Promise<T> {
	let made: Promise<T> | undefined;
	return async () => await (made ??= make());
}

/** Bytes hashed between two turns of the event loop. */
const HASH_SLICE_BYTES = 1024 * 1024;

/**
 * SHA-256 of bytes in memory, so a crafted collision cannot hand one item another's upload. Hashed a slice at a time,
 * letting the event loop run in between: a 20 MB image does not hold up the other items of the execution.
 */
export async function hashBytes(bytes: Buffer): Promise<string> {
	const hash = createHash('sha256');
	for (let offset = 0; offset < bytes.length; offset += HASH_SLICE_BYTES) {
		if (offset > 0) await sleep(0);
		hash.update(bytes.subarray(offset, offset + HASH_SLICE_BYTES));
	}
	return `sha256:${hash.digest('hex')}`;
}

/** The image type from the file's first bytes; the declared mime type of a binary is often wrong or generic. */
export function sniffImageMimeType(bytes: Buffer): (typeof ACCEPTED_IMAGE_MIME_TYPES)[number] | undefined {
	return sniffImageType(bytes)?.mimeType as (typeof ACCEPTED_IMAGE_MIME_TYPES)[number] | undefined;
}

/**
 * One entry a line; on a line, entries separated by commas. On a line of URLs a comma separates only where the next
 * entry starts with http:// or https://, since CDN URLs carry commas in their paths (Cloudinary's
 * `w_400,h_300,c_fill`) and a `data:` URI has one before its data. An expression's array is taken as it is.
 */
export function parseList(value: unknown): string[] {
	const parts = Array.isArray(value) ? value.flat() : String(value ?? '').split(/\r?\n/).flatMap(splitLine);
	return parts.map((part) => String(part ?? '').trim()).filter((part) => part !== '');
}

function splitLine(line: string): string[] {
	const startsWithScheme = /^\s*[a-z][a-z0-9+.-]*:/i.test(line);
	return line.split(startsWithScheme ? /,(?=\s*(?:https?:\/\/|$))/i : ',');
}

export function validateImageUrls(ctx: IExecuteFunctions, itemIndex: number, urls: string[]): string[] {
	for (const [index, url] of urls.entries()) {
		if (/^data:/i.test(url)) {
			throw parameterError(
				ctx.getNode(),
				itemIndex,
				IMAGE_URLS_PARAMETER,
				`Image ${index + 1} is a data: URI ("${shorten(url)}"), not a URL WaveSpeed can download`,
				'Turn it into binary data first (for example with the "Convert to File" node) and choose Image Source ' +
					'"Binary Data" or "Binary Data and URLs": the node uploads binary images itself.',
			);
		}
		let protocol = '';
		try {
			protocol = new URL(url).protocol;
		} catch {
			// reported below
		}
		if (protocol !== 'http:' && protocol !== 'https:') {
			throw parameterError(
				ctx.getNode(),
				itemIndex,
				IMAGE_URLS_PARAMETER,
				`"${shorten(url)}" is not an http(s) URL`,
				'WaveSpeed downloads each URL itself, so it must be a public http:// or https:// address.',
			);
		}
	}
	return urls;
}

function shorten(text: string): string {
	return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

export function validateImageCount(ctx: IExecuteFunctions, itemIndex: number, count: number, parameter: string): void {
	if (count < MIN_IMAGES || count > MAX_IMAGES) {
		throw parameterError(
			ctx.getNode(),
			itemIndex,
			parameter,
			count === 0
				? 'No input image: give at least one binary field or URL'
				: `${count} input images: GPT Image 2 Edit takes at most ${MAX_IMAGES}`,
		);
	}
}
