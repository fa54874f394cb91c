import { createHash } from 'node:crypto';

import type { NodeOperationError } from 'n8n-workflow';

import { hashBytes, parseList, sniffImageMimeType, validateImageUrls } from '../../../../nodes/WaveSpeed/media/imageInputs';
import { createExecuteContext } from '../../../support/executeContext';
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
		expect(parseList('data, logo')).toEqual(['data', 'logo']);
		expect(parseList(['x', ' y ', ''])).toEqual(['x', 'y']);
		expect(parseList(undefined)).toEqual([]);
	});

	it('keeps commas inside URLs: a comma separates only before http:// or https://', () => {
		const cloudinary = 'https://res.cloudinary.com/x/image/upload/w_400,h_300,c_fill/p.jpg';
		expect(parseList(cloudinary)).toEqual([cloudinary]);
		expect(parseList(`${cloudinary}, https://example.com/b.png,HTTP://example.com/c.png,\n${cloudinary}`)).toEqual([
			cloudinary,
			'https://example.com/b.png',
			'HTTP://example.com/c.png',
			cloudinary,
		]);
		// An expression's array is taken as it is: no entry is split.
		expect(parseList([cloudinary, 'https://example.com/a,b.png'])).toEqual([cloudinary, 'https://example.com/a,b.png']);
	});

	it('keeps a data: URI whole and refuses it with a clear message', () => {
		const dataUri = `data:image/png;base64,${makePlaceholderPng().toString('base64')}`;
		expect(parseList(dataUri)).toEqual([dataUri]);
		const { ctx } = createExecuteContext({ params: {} });
		let error: NodeOperationError | undefined;
		try {
			validateImageUrls(ctx, 2, ['https://example.com/a.png', dataUri]);
		} catch (caught) {
			error = caught as NodeOperationError;
		}
		expect(error?.message).toMatch(
			/^Image 2 is a data: URI \("data:image\/png;base64,iVBOR.{0,40}…"\), not a URL WaveSpeed can download \[item 2, parameter "Image URLs"\]$/,
		);
		expect(error?.description).toContain('Convert to File');
	});

	it('keys content by its SHA-256', async () => {
		const a = makePlaceholderPng({ seed: 'a' });
		expect(await hashBytes(a)).toBe(`sha256:${createHash('sha256').update(a).digest('hex')}`);
		expect(await hashBytes(Buffer.from(a))).toBe(await hashBytes(a));
		expect(await hashBytes(makePlaceholderPng({ seed: 'b' }))).not.toBe(await hashBytes(a));
		// Hashed in slices: the same digest past a slice boundary.
		const large = makePlaceholderPng({ seed: 'large', minBytes: 2_500_000 });
		expect(await hashBytes(large)).toBe(`sha256:${createHash('sha256').update(large).digest('hex')}`);
	});
});
