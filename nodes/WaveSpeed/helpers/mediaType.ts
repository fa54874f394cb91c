/** What a file is, from its first bytes: the declared type of a download or a binary is often wrong or generic. Pure. */

export type MediaKind = 'image' | 'video' | 'audio';

export interface MediaType {
	kind: MediaKind;
	mimeType: string;
	extension: string;
}

/** Enough bytes for every signature below. */
export const MEDIA_SNIFF_BYTES = 16;

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const EBML_SIGNATURE = Buffer.from([0x1a, 0x45, 0xdf, 0xa3]);

function ascii(bytes: Buffer, start: number, end: number): string {
	return bytes.length >= end ? bytes.toString('latin1', start, end) : '';
}

/** PNG, JPEG and WEBP: the images GPT Image 2 takes and makes. */
export function sniffImageType(bytes: Buffer): MediaType | undefined {
	const image = (subtype: string, extension = subtype): MediaType => ({ kind: 'image', mimeType: `image/${subtype}`, extension });
	if (bytes.length >= 8 && bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return image('png');
	if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return image('jpeg', 'jpg');
	if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') return image('webp');
	return undefined;
}

/** Any image, video or audio a WaveSpeed model may make (or take): the formats its models are documented with. */
export function sniffMediaType(bytes: Buffer): MediaType | undefined {
	const known = sniffImageType(bytes);
	if (known) return known;
	const media = (kind: MediaKind, mimeType: string, extension: string): MediaType => ({ kind, mimeType, extension });
	if (ascii(bytes, 0, 6) === 'GIF87a' || ascii(bytes, 0, 6) === 'GIF89a') return media('image', 'image/gif', 'gif');
	if (ascii(bytes, 4, 8) === 'ftyp') {
		// ISO media: the brand says which. M4A is audio; QuickTime is .mov; the rest plays as MP4.
		const brand = ascii(bytes, 8, 12);
		if (brand === 'M4A ') return media('audio', 'audio/mp4', 'm4a');
		if (brand === 'qt  ') return media('video', 'video/quicktime', 'mov');
		return media('video', 'video/mp4', 'mp4');
	}
	if (bytes.length >= 4 && bytes.subarray(0, 4).equals(EBML_SIGNATURE)) return media('video', 'video/webm', 'webm');
	if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WAVE') return media('audio', 'audio/wav', 'wav');
	if (ascii(bytes, 0, 3) === 'ID3' || (bytes.length >= 2 && bytes[0] === 0xff && (bytes[1] & 0xe0) === 0xe0)) {
		return media('audio', 'audio/mpeg', 'mp3');
	}
	if (ascii(bytes, 0, 4) === 'OggS') return media('audio', 'audio/ogg', 'ogg');
	if (ascii(bytes, 0, 4) === 'fLaC') return media('audio', 'audio/flac', 'flac');
	return undefined;
}
