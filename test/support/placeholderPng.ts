/** Small PNG encoder for the fake server's outputs and the tests' inputs. No dependencies beyond node:zlib. */
import { deflateSync } from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
	let c = n;
	for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
	return c >>> 0;
});

function crc32(bytes: Buffer): number {
	let crc = 0xffffffff;
	for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
	return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
	const length = Buffer.alloc(4);
	length.writeUInt32BE(data.length);
	const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
	const crc = Buffer.alloc(4);
	crc.writeUInt32BE(crc32(body));
	return Buffer.concat([length, body, crc]);
}

export interface PngOptions {
	width?: number;
	height?: number;
	/** Picks the colours, so different tasks give different pictures. */
	seed?: string;
	/** Written into a tEXt chunk. */
	comment?: string;
	/** Makes the file at least this many bytes (an uncompressed padding chunk), for size tests. */
	minBytes?: number;
}

/** The compressed pixels of each size drawn so far: they do not depend on the seed (see makePlaceholderPng). */
const idatBySize = new Map<string, Buffer>();

/** Palette indexes: 0 the border (black), 1 the warning stripes, 2 the seed's colour. */
function drawIdat(width: number, height: number): Buffer {
	const key = `${width}x${height}`;
	const cached = idatBySize.get(key);
	if (cached) return cached;
	const stride = width + 1;
	const raw = Buffer.alloc(stride * height); // filter byte 0 (none) on every row; index 0 = border
	for (let y = 4; y < height - 4; y++) {
		for (let x = 4; x < width - 4; x++) raw[y * stride + 1 + x] = Math.floor((x + y) / 16) % 2 === 0 ? 1 : 2;
	}
	const idat = chunk('IDAT', deflateSync(raw));
	idatBySize.set(key, idat);
	return idat;
}

/**
 * A clearly-marked placeholder: diagonal warning stripes over a colour taken from the seed, with a tEXt chunk
 * saying it came from the local fake server, not from GPT Image 2. An indexed PNG: the seed's colour is a palette
 * entry, so the pixels of a size are drawn and compressed once and each seed costs a few bytes (a 1,000-task
 * benchmark renders 1,000 different 1024 × 1024 outputs).
 */
export function makePlaceholderPng(options: PngOptions = {}): Buffer {
	const width = options.width ?? 64;
	const height = options.height ?? 64;
	let hash = 7;
	for (const char of options.seed ?? 'placeholder') hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
	const base = [hash & 0xff, (hash >>> 8) & 0xff, (hash >>> 16) & 0xff];

	const header = Buffer.alloc(13);
	header.writeUInt32BE(width, 0);
	header.writeUInt32BE(height, 4);
	header.set([8, 3, 0, 0, 0], 8); // 8-bit palette indexes
	const comment = options.comment ?? 'PLACEHOLDER from the local WaveSpeed test server, not a real GPT Image 2 result';
	const parts = [
		Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
		chunk('IHDR', header),
		chunk('PLTE', Buffer.from([0, 0, 0, 255, 204, 0, ...base])),
		chunk('tEXt', Buffer.from(`Comment\0${comment}`, 'latin1')),
		drawIdat(width, height),
	];
	const sizeSoFar = parts.reduce((sum, part) => sum + part.length, 0) + 12;
	if (options.minBytes && options.minBytes > sizeSoFar + 12) {
		parts.push(chunk('pdNg', Buffer.alloc(options.minBytes - sizeSoFar - 12, 0x5a)));
	}
	parts.push(chunk('IEND', Buffer.alloc(0)));
	return Buffer.concat(parts);
}

/** Width and height from a PNG's IHDR. */
export function readPngSize(png: Buffer): { width: number; height: number } {
	return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** A minimal JPEG header (enough for type sniffing) and a minimal WEBP one. */
export const TINY_JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0xff, 0xd9]);
export const TINY_WEBP = Buffer.concat([
	Buffer.from('RIFF', 'latin1'),
	Buffer.from([0x1a, 0, 0, 0]),
	Buffer.from('WEBPVP8L', 'latin1'),
	Buffer.alloc(14, 0),
]);
