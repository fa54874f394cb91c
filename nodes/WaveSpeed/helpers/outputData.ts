/** What a task's `outputs` entries are, and reading them. Pure. */

export type OutputKind = 'url' | 'base64' | 'empty' | 'invalid';

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
/** WaveSpeed sends raw base64; a `data:` prefix is tolerated. */
const DATA_URI_PREFIX = /^data:[^,]*;base64,/i;

export function classifyOutput(output: unknown): OutputKind {
	if (typeof output !== 'string' || output.trim() === '') return 'empty';
	if (/^https?:\/\//i.test(output.trim())) return 'url';
	return toBase64Text(output) === undefined ? 'invalid' : 'base64';
}

/** The bytes of a base64 output, or undefined when it is not valid base64 (Buffer.from would skip bad characters). */
export function decodeBase64Output(output: string): Buffer | undefined {
	const text = toBase64Text(output);
	return text === undefined ? undefined : Buffer.from(text, 'base64');
}

function toBase64Text(output: string): string | undefined {
	const text = output.replace(DATA_URI_PREFIX, '').replace(/\s+/g, '');
	return BASE64.test(text) && text.length % 4 !== 1 ? text : undefined;
}

/** What came instead of an image, for the error: the declared type and the start of the body as text. */
export function describeNonImage(head: Buffer, contentType: string | undefined): string {
	const declared = contentType ? `the server declared "${contentType}"` : 'the server declared no content type';
	const text = head.toString('latin1', 0, 120).replace(/[^\x20-\x7e]+/g, ' ').trim();
	return text ? `${declared} and sent "${text}${head.length > 120 ? '…' : ''}"` : `${declared} and sent nothing readable`;
}
