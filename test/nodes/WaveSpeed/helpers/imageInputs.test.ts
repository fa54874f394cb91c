import { hashBytes, parseList, sniffImageMimeType } from '../../../../nodes/WaveSpeed/helpers/imageInputs';

import { TINY_JPEG, TINY_WEBP, makePlaceholderPng } from '../../../support/placeholderPng';

describe('image inputs', () => {
	it('sniffs PNG, JPEG and WEBP from the bytes and refuses anything else', () => {
		expect(sniffImageMimeType(makePlaceholderPng())).toBe('image/png');
		expect(sniffImageMimeType(TINY_JPEG)).toBe('image/jpeg');
		expect(sniffImageMimeType(TINY_WEBP)).toBe('image/webp');
		expect(sniffImageMimeType(Buffer.from('%PDF-1.7 ...'))).toBeUndefined();
		expect(sniffImageMimeType(Buffer.from('GIF89a......'))).toBeUndefined();
		expect(sniffImageMimeType(Buffer.alloc(0))).toBeUndefined();
	});

	it('splits lists on commas and new lines, and takes arrays from expressions', () => {
		expect(parseList(' a.png, b.png\n\nc.png ,')).toEqual(['a.png', 'b.png', 'c.png']);
		expect(parseList(['x', ' y ', ''])).toEqual(['x', 'y']);
		expect(parseList(undefined)).toEqual([]);
	});

	it('gives the same content key to the same bytes and different keys to different bytes', () => {
		const a = makePlaceholderPng({ seed: 'a' });
		expect(hashBytes(a)).toBe(hashBytes(Buffer.from(a)));
		expect(hashBytes(a)).not.toBe(
			hashBytes(makePlaceholderPng({ seed: 'b' })),
		);
	});
});
