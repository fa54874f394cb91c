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

const isoMedia = (kind: MediaKind, mimeType: string, extension: string): MediaType => ({ kind, mimeType, extension });
const HEIC = isoMedia('image', 'image/heic', 'heic');
const HEIF = isoMedia('image', 'image/heif', 'heif');
const AVIF = isoMedia('image', 'image/avif', 'avif');

/** ISO media (ftyp) major brands that are not MP4 video; any other brand plays as MP4. */
const ISO_MEDIA_BRANDS: Record<string, MediaType | undefined> = {
	heic: HEIC,
	heix: HEIC,
	hevc: HEIC,
	heim: HEIC,
	heis: HEIC,
	mif1: HEIF,
	msf1: HEIF,
	heif: HEIF,
	avif: AVIF,
	avis: AVIF,
	'M4A ': isoMedia('audio', 'audio/mp4', 'm4a'),
	'M4B ': isoMedia('audio', 'audio/mp4', 'm4b'),
	'qt  ': isoMedia('video', 'video/quicktime', 'mov'),
};

/** Any image, video or audio a WaveSpeed model may make (or take): the formats its models are documented with. */
export function sniffMediaType(bytes: Buffer): MediaType | undefined {
	const known = sniffImageType(bytes);
	if (known) return known;
	const media = (kind: MediaKind, mimeType: string, extension: string): MediaType => ({ kind, mimeType, extension });
	if (ascii(bytes, 0, 6) === 'GIF87a' || ascii(bytes, 0, 6) === 'GIF89a') return media('image', 'image/gif', 'gif');
	if (ascii(bytes, 4, 8) === 'ftyp') {
		// ISO media: the major brand says which. HEIC/HEIF (phone photos) and AVIF are still images in the same box
		// format as MP4: declaring them video would upload a photo as a video and store an output as .mp4.
		const type = ISO_MEDIA_BRANDS[ascii(bytes, 8, 12)];
		return type ?? media('video', 'video/mp4', 'mp4');
	}
	if (bytes.length >= 4 && bytes.subarray(0, 4).equals(EBML_SIGNATURE)) return media('video', 'video/webm', 'webm');
	if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WAVE') return media('audio', 'audio/wav', 'wav');
	// Raw AAC (ADTS): the frame sync of MP3 with layer bits 00, which MPEG audio does not use (0xFFF1, 0xFFF9).
	if (bytes.length >= 2 && bytes[0] === 0xff && (bytes[1] & 0xf6) === 0xf0) return media('audio', 'audio/aac', 'aac');
	if (ascii(bytes, 0, 3) === 'ID3' || (bytes.length >= 2 && bytes[0] === 0xff && (bytes[1] & 0xe0) === 0xe0)) {
		return media('audio', 'audio/mpeg', 'mp3');
	}
	if (ascii(bytes, 0, 4) === 'OggS') return media('audio', 'audio/ogg', 'ogg');
	if (ascii(bytes, 0, 4) === 'fLaC') return media('audio', 'audio/flac', 'flac');
	return undefined;
}
