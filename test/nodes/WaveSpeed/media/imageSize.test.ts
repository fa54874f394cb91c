import { readImageSize } from '../../../../nodes/WaveSpeed/media/imageSize';
import { makePlaceholderPng } from '../../../support/placeholderPng';

describe('readImageSize', () => {
	it('reads a PNG header', () => {
		expect(readImageSize(makePlaceholderPng({ width: 321, height: 123 }))).toEqual({ width: 321, height: 123 });
	});

	it('walks JPEG segments to the frame header', () => {
		const app0 = [0xff, 0xe0, 0x00, 0x10, ...Array(14).fill(0)];
		const sof0 = [0xff, 0xc0, 0x00, 0x11, 0x08, 0x01, 0xe0, 0x02, 0x80, 0x03, ...Array(9).fill(0)];
		expect(readImageSize(Buffer.from([0xff, 0xd8, ...app0, ...sof0]))).toEqual({ width: 640, height: 480 });
	});

	it('reads the three WEBP flavours', () => {
		const riff = (chunk: string, body: number[]) =>
			Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WEBP'), Buffer.from(chunk), Buffer.alloc(4), Buffer.from(body), Buffer.alloc(16)]);
		// VP8X: 24-bit width-1 and height-1 at bytes 24 and 27.
		expect(readImageSize(riff('VP8X', [0, 0, 0, 0, 0xff, 0x03, 0x00, 0xdf, 0x01, 0x00]))).toEqual({ width: 1024, height: 480 });
		// VP8L: signature byte 0x2f, then 14-bit width-1 and height-1.
		const bits = (99 & 0x3fff) | ((49 & 0x3fff) << 14);
		expect(readImageSize(riff('VP8L', [0x2f, bits & 0xff, (bits >> 8) & 0xff, (bits >> 16) & 0xff, (bits >> 24) & 0xff]))).toEqual({ width: 100, height: 50 });
		// VP8: frame tag, start code, then 14-bit width and height.
		expect(readImageSize(riff('VP8 ', [0, 0, 0, 0x9d, 0x01, 0x2a, 0x20, 0x03, 0x58, 0x02]))).toEqual({ width: 800, height: 600 });
	});

	it('says nothing about other data', () => {
		expect(readImageSize(Buffer.from('GIF89a......................'))).toBeUndefined();
	});
});
