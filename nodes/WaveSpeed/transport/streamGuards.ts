/**
 * Looking into and limiting a response body while it streams. Community nodes may not import `node:stream`, so there
 * is no pass-through stream to put in between: the first bytes are read and put back (`unshift`), and the chunks the
 * consumer is handed are watched where every Readable hands them out, its `data` event.
 */
import type { BinaryStream } from './types';

export interface PeekedHead {
	/** The first bytes: at least the number asked for, unless the body ended first. */
	head: Buffer;
	/** The body ended within `head`: `head` is all of it, and the stream has nothing left to give. */
	ended: boolean;
}

/** Reads the first `count` bytes and puts them back, so whoever reads the stream next still gets the whole body. */
export async function peekHead(stream: BinaryStream, count: number): Promise<PeekedHead> {
	return await new Promise<PeekedHead>((resolve, reject) => {
		const chunks: Buffer[] = [];
		let length = 0;
		const cleanUp = () => {
			stream.off('readable', onReadable);
			stream.off('end', onEnd);
			stream.off('error', onError);
			stream.off('close', onClose);
		};
		const onReadable = () => {
			for (let chunk: Buffer | null; length < count && (chunk = stream.read() as Buffer | null) !== null; ) {
				chunks.push(chunk);
				length += chunk.length;
			}
			if (length < count) return;
			cleanUp();
			const head = Buffer.concat(chunks);
			// Put back at once, in this handler: a body that just ended would otherwise emit 'end' and refuse it.
			stream.unshift(head);
			resolve({ head, ended: false });
		};
		const onEnd = () => {
			cleanUp();
			resolve({ head: Buffer.concat(chunks), ended: true });
		};
		const onError = (error: Error) => {
			cleanUp();
			reject(error);
		};
		const onClose = () => onError(new Error('the connection closed before the body began'));
		stream.on('readable', onReadable);
		stream.once('end', onEnd);
		stream.once('error', onError);
		stream.once('close', onClose);
	});
}

/**
 * Calls `check` with each chunk as the consumer is handed it, however it reads (events, `read()`, async iteration),
 * without changing how the stream flows. When `check` returns an error the stream is destroyed with it instead, so
 * the consumer's read fails and the chunk is never delivered.
 */
export function watchChunks(stream: BinaryStream, check: (chunk: Buffer) => Error | undefined): void {
	const emit = stream.emit;
	stream.emit = function (this: BinaryStream, event: string | symbol, ...args: unknown[]): boolean {
		if (event === 'data') {
			const error = check(args[0] as Buffer);
			if (error) {
				stream.destroy(error);
				return false;
			}
		}
		return emit.call(this, event, ...args);
	} as typeof stream.emit;
}
