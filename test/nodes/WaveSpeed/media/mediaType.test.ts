import { sniffImageType, sniffMediaType } from '../../../../nodes/WaveSpeed/media/mediaType';
import { TINY_JPEG, TINY_WEBP, makePlaceholderPng } from '../../../support/placeholderPng';

const ftyp = (brand: string) => Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from(`ftyp${brand}\0\0\0\0`, 'latin1')]);
const riff = (form: string) => Buffer.from(`RIFF\0\0\0\0${form}`, 'latin1');

describe('media types from the first bytes', () => {
	it.each([
		['PNG', makePlaceholderPng(), 'image/png', 'png'],
		['JPEG', TINY_JPEG, 'image/jpeg', 'jpg'],
		['WEBP', TINY_WEBP, 'image/webp', 'webp'],
		['GIF', Buffer.from('GIF89a\x01\0\x01\0', 'latin1'), 'image/gif', 'gif'],
		['MP4', ftyp('isom'), 'video/mp4', 'mp4'],
		['QuickTime', ftyp('qt  '), 'video/quicktime', 'mov'],
		['M4A', ftyp('M4A '), 'audio/mp4', 'm4a'],
		// Issue 19 defect 7: every one of these was called video/mp4 (.mp4), and raw AAC audio/mpeg (.mp3).
		['M4B', ftyp('M4B '), 'audio/mp4', 'm4b'],
		['HEIC photo', ftyp('heic'), 'image/heic', 'heic'],
		['HEIC (heix)', ftyp('heix'), 'image/heic', 'heic'],
		['HEIC sequence (hevc)', ftyp('hevc'), 'image/heic', 'heic'],
		['HEIC (heim)', ftyp('heim'), 'image/heic', 'heic'],
		['HEIC (heis)', ftyp('heis'), 'image/heic', 'heic'],
		['HEIF (mif1)', ftyp('mif1'), 'image/heif', 'heif'],
		['HEIF sequence (msf1)', ftyp('msf1'), 'image/heif', 'heif'],
		['HEIF (heif)', ftyp('heif'), 'image/heif', 'heif'],
		['AVIF', ftyp('avif'), 'image/avif', 'avif'],
		['AVIF sequence', ftyp('avis'), 'image/avif', 'avif'],
		['raw AAC (ADTS, MPEG-4)', Buffer.from([0xff, 0xf1, 0x50, 0x80]), 'audio/aac', 'aac'],
		['raw AAC (ADTS, MPEG-2)', Buffer.from([0xff, 0xf9, 0x50, 0x80]), 'audio/aac', 'aac'],
		['MP4 (mp42)', ftyp('mp42'), 'video/mp4', 'mp4'],
		['WEBM', Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x9f]), 'video/webm', 'webm'],
		['WAV', riff('WAVE'), 'audio/wav', 'wav'],
		['MP3 with ID3', Buffer.from('ID3\x04\0\0\0\0\0\0', 'latin1'), 'audio/mpeg', 'mp3'],
		['MP3 frame', Buffer.from([0xff, 0xfb, 0x90, 0x64]), 'audio/mpeg', 'mp3'],
		['OGG', Buffer.from('OggS\0\x02', 'latin1'), 'audio/ogg', 'ogg'],
		['FLAC', Buffer.from('fLaC\0\0\0\x22', 'latin1'), 'audio/flac', 'flac'],
	])('%s', (_, bytes, mimeType, extension) => {
		expect(sniffMediaType(bytes)).toMatchObject({ mimeType, extension });
	});

	it('knows no media in text, HTML, XML or PDF', () => {
		for (const text of ['<html>', '<?xml version="1.0"?><Error/>', '%PDF-1.7', '{"error":1}', '']) {
			expect(sniffMediaType(Buffer.from(text))).toBeUndefined();
		}
	});

	it('takes only PNG, JPEG and WEBP as images for GPT Image 2', () => {
		expect(sniffImageType(ftyp('isom'))).toBeUndefined();
		expect(sniffImageType(Buffer.from('GIF89a', 'latin1'))).toBeUndefined();
		expect(sniffImageType(TINY_JPEG)?.mimeType).toBe('image/jpeg');
	});
});
