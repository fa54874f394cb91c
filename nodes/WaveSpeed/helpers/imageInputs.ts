import type { IExecuteFunctions } from 'n8n-workflow';

import type { BinaryStream } from './types';

import { readHeadBytes } from './imageSize';
import { parameterError } from './itemErrors';
import { ACCEPTED_IMAGE_MIME_TYPES, MAX_IMAGES, MIN_IMAGES } from './model';

export interface BinaryImage {
	field: string;
	mimeType: string;
	fileName: string;
	sizeBytes: number;
	/** Same key, same bytes: the stored binary's id, or a hash of bytes held in memory. */
	contentKey: string;
	/** The bytes: a fresh stream each call where n8n stores them by id (filesystem, S3), else the buffer. */
	open(): Promise<Buffer | BinaryStream>;
}

export const BINARY_PROPERTIES_PARAMETER = 'Input Binary Fields';
export const IMAGE_URLS_PARAMETER = 'Image URLs';
const SNIFF_BYTES = 16;

/**
 * Reads each named binary field of the item through n8n's helpers. Binaries n8n stores by id are streamed, so a
 * batch of large images is never held in memory at once; in-memory ones are already buffers.
 */
export async function readBinaryImages(
	ctx: IExecuteFunctions,
	itemIndex: number,
	fields: string[],
): Promise<BinaryImage[]> {
	const available = Object.keys(ctx.getInputData()[itemIndex]?.binary ?? {});
	const images: BinaryImage[] = [];
	for (const field of fields) {
		if (!available.includes(field)) {
			const have = available.length ? `the item has ${available.map((f) => `"${f}"`).join(', ')}` : 'the item has no binary data';
			throw parameterError(
				ctx.getNode(),
				itemIndex,
				BINARY_PROPERTIES_PARAMETER,
				`No binary field "${field}" on this item: ${have}`,
			);
		}
		const metadata = ctx.helpers.assertBinaryData(itemIndex, field);
		const source = metadata.id
			? await describeStoredBinary(ctx, metadata.id)
			: await describeBufferedBinary(await ctx.helpers.getBinaryDataBuffer(itemIndex, field));
		const mimeType = sniffImageMimeType(source.head);
		if (!mimeType) {
			throw parameterError(
				ctx.getNode(),
				itemIndex,
				BINARY_PROPERTIES_PARAMETER,
				`Binary field "${field}" is not a PNG, JPEG or WEBP image (it looks like ${metadata.mimeType || 'unknown data'})`,
				'GPT Image 2 Edit accepts PNG, JPEG and WEBP inputs. Convert the file first, e.g. with the "Edit Image" node.',
			);
		}
		const extension = mimeType.split('/')[1].replace('jpeg', 'jpg');
		images.push({
			field,
			mimeType,
			fileName: metadata.fileName || `${field}.${extension}`,
			sizeBytes: source.sizeBytes,
			contentKey: `${mimeType}:${source.contentKey}`,
			open: source.open,
		});
	}
	return images;
}

interface BinarySource {
	head: Buffer;
	sizeBytes: number;
	contentKey: string;
	open(): Promise<Buffer | BinaryStream>;
}

async function describeBufferedBinary(bytes: Buffer): Promise<BinarySource> {
	return { head: bytes.subarray(0, SNIFF_BYTES), sizeBytes: bytes.length, contentKey: hashBytes(bytes), open: async () => bytes };
}

async function describeStoredBinary(ctx: IExecuteFunctions, binaryId: string): Promise<BinarySource> {
	const open = async () => await ctx.helpers.getBinaryStream(binaryId);
	const { fileSize } = await ctx.helpers.getBinaryMetadata(binaryId);
	return { head: await readHeadBytes(await open(), SNIFF_BYTES), sizeBytes: Number(fileSize), contentKey: `id:${binaryId}`, open };
}

/** Two 32-bit hashes and the length: enough to tell apart the images of one execution. */
export function hashBytes(bytes: Buffer): string {
	let fnv = 0x811c9dc5;
	let mix = 0x9747b28c;
	for (let index = 0; index < bytes.length; index++) {
		fnv = Math.imul(fnv ^ bytes[index], 0x01000193);
		mix = Math.imul(mix ^ bytes[index], 0x5bd1e995) ^ (mix >>> 15);
	}
	return `${bytes.length}:${(fnv >>> 0).toString(16)}${(mix >>> 0).toString(16)}`;
}

/** The image type from the file's first bytes; the declared mime type of a binary is often wrong or generic. */
export function sniffImageMimeType(bytes: Buffer): (typeof ACCEPTED_IMAGE_MIME_TYPES)[number] | undefined {
	if (bytes.length >= 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) {
		return 'image/png';
	}
	if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
	if (bytes.length >= 12 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') {
		return 'image/webp';
	}
	return undefined;
}

/** Splits "a, b" or one URL a line, or takes the array an expression returned. */
export function parseList(value: unknown): string[] {
	const parts = Array.isArray(value) ? value.flat() : String(value ?? '').split(/[\n,]/);
	return parts.map((part) => String(part ?? '').trim()).filter((part) => part !== '');
}

export function validateImageUrls(ctx: IExecuteFunctions, itemIndex: number, urls: string[]): string[] {
	for (const url of urls) {
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
				`"${url}" is not an http(s) URL`,
				'WaveSpeed downloads each URL itself, so it must be a public http:// or https:// address.',
			);
		}
	}
	return urls;
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
