/** What a task's `outputs` entries are, and reading them. Pure. */

export type OutputKind = 'url' | 'base64' | 'empty' | 'invalid';

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
/** WaveSpeed sends raw base64; a `data:` prefix is tolerated. */
const DATA_URI_PREFIX = /^data:[^,]*;base64,/i;

/**
 * A task's `outputs` as strings: WaveSpeed sends bare URLs (or base64), but some models send objects such as
 * `{url: …}`, which WaveSpeed's own n8n node and desktop app accept too. Undefined when `outputs` is not a list of
 * either (null or absent is an empty list).
 */
export function readOutputs(outputs: unknown): string[] | undefined {
	if (outputs === undefined || outputs === null) return [];
	if (!Array.isArray(outputs)) return undefined;
	const read: string[] = [];
	for (const output of outputs) {
		const text = typeof output === 'string' ? output : urlOfOutputObject(output);
		if (text === undefined) return undefined;
		read.push(text);
	}
	return read;
}

function urlOfOutputObject(output: unknown): string | undefined {
	if (!output || typeof output !== 'object' || Array.isArray(output)) return undefined;
	const { url, uri } = output as { url?: unknown; uri?: unknown };
	if (typeof url === 'string') return url;
	return typeof uri === 'string' ? uri : undefined;
}

/** The task with its outputs read by readOutputs (left as they are when they are neither shape, for the checks after). */
export function withReadOutputs<T extends { outputs?: unknown }>(task: T): T {
	if (!task || typeof task !== 'object') return task;
	const outputs = readOutputs(task.outputs);
	return outputs === undefined || !Array.isArray(task.outputs) ? task : { ...task, outputs };
}

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
