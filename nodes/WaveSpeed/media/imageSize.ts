/** Width and height from the first bytes of a PNG, JPEG or WEBP, and a way to read those bytes from a stream. */
import type { BinaryStream } from '../transport/types';

/** Enough for PNG and WEBP headers, and for the frame header of nearly every JPEG. */
export const IMAGE_HEAD_BYTES = 64 * 1024;

export interface ImageSize {
	width: number;
	height: number;
}

export function readImageSize(head: Buffer): ImageSize | undefined {
	if (head.length >= 24 && head.readUInt32BE(0) === 0x89504e47 && head.toString('latin1', 12, 16) === 'IHDR') {
		return { width: head.readUInt32BE(16), height: head.readUInt32BE(20) };
	}
	if (head.length >= 30 && head.toString('latin1', 0, 4) === 'RIFF' && head.toString('latin1', 8, 12) === 'WEBP') {
		return readWebpSize(head);
	}
	if (head.length >= 4 && head[0] === 0xff && head[1] === 0xd8) return readJpegSize(head);
	return undefined;
}

function readWebpSize(head: Buffer): ImageSize | undefined {
	const chunk = head.toString('latin1', 12, 16);
	if (chunk === 'VP8X') return { width: 1 + head.readUIntLE(24, 3), height: 1 + head.readUIntLE(27, 3) };
	if (chunk === 'VP8L') {
		const bits = head.readUInt32LE(21);
		return { width: 1 + (bits & 0x3fff), height: 1 + ((bits >> 14) & 0x3fff) };
	}
	if (chunk === 'VP8 ') return { width: head.readUInt16LE(26) & 0x3fff, height: head.readUInt16LE(28) & 0x3fff };
	return undefined;
}

/** Walks the JPEG segments to the first start-of-frame marker. */
function readJpegSize(head: Buffer): ImageSize | undefined {
	let offset = 2;
	while (offset + 9 < head.length) {
		if (head[offset] !== 0xff) return undefined;
		const marker = head[offset + 1];
		const isStartOfFrame = marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker);
		if (isStartOfFrame) return { height: head.readUInt16BE(offset + 5), width: head.readUInt16BE(offset + 7) };
		offset += 2 + head.readUInt16BE(offset + 2);
	}
	return undefined;
}

/** The first `count` bytes of a stream; the stream is closed after. */
export async function readHeadBytes(stream: BinaryStream, count: number): Promise<Buffer> {
	const chunks: Buffer[] = [];
	let length = 0;
	for await (const chunk of stream) {
		chunks.push(chunk as Buffer);
		length += (chunk as Buffer).length;
		if (length >= count) break;
	}
	stream.destroy();
	return Buffer.concat(chunks).subarray(0, count);
}
