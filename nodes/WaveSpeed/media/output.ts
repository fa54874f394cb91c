import type { IBinaryData, IBinaryKeyData, IDataObject, INodeExecutionData } from 'n8n-workflow';
import type { ApiContext } from '../transport/context';
import { NodeOperationError } from 'n8n-workflow';

import { MAX_DOWNLOAD_BYTES, downloadFile } from '../transport/files';
import { IMAGE_HEAD_BYTES, readHeadBytes, readImageSize } from './imageSize';
import { prefixMessage, taskError, withTaskId } from '../transport/itemErrors';
import type { MediaType } from './mediaType';
import { sniffImageType, sniffMediaType } from './mediaType';
import { classifyOutput, decodeBase64Output, describeNonImage } from './outputData';
import type { OutputKind } from './outputData';
import { COMPLETED_STATUS } from '../models/taskStatus';
import type { Task } from '../transport/types';

export interface OutputOptions {
	itemIndex: number;
	downloadOutput: boolean;
	outputBinaryProperty: string;
	signal?: AbortSignal;
	/** The item's deadline (epoch ms): no download, retry or wait goes past it. */
	deadlineMs: number;
	/** 'image' (the default): PNG, JPEG or WEBP only, described in `images`. 'any': image, video or audio, in `files`. */
	media?: OutputMedia;
}

export type OutputMedia = 'image' | 'any';

/** What each kind of operation accepts as an output, and the words for it. */
const MEDIA_RULES: Record<OutputMedia, { sniff: (head: Buffer) => MediaType | undefined; what: string; listField: string; maxBytes: number }> = {
	image: { sniff: sniffImageType, what: 'a PNG, JPEG or WEBP image', listField: 'images', maxBytes: MAX_DOWNLOAD_BYTES },
	// Videos run far larger than images; still capped, so a runaway reply cannot fill the binary store.
	any: { sniff: sniffMediaType, what: 'an image, video or audio file', listField: 'files', maxBytes: 20 * MAX_DOWNLOAD_BYTES },
};

/** With base64 output on, WaveSpeed puts the image itself where a URL would be (no `data:` prefix). */
export function isInlineOutput(output: string): boolean {
	return classifyOutput(output) === 'base64';
}

/** The fields of a task that a workflow needs; base64 outputs stay out of the JSON (they go to binary data). */
export function getTaskJson(task: Task): IDataObject {
	return {
		id: task.id,
		status: task.status,
		model: task.model,
		outputs: (task.outputs ?? []).filter((output) => !isInlineOutput(output)),
		has_nsfw_contents: task.has_nsfw_contents ?? [],
		timings: task.timings ?? {},
		created_at: task.created_at,
		error: task.error ?? '',
	};
}

/**
 * The n8n item for a task: its JSON, and once completed each output as binary data (downloaded, or decoded when
 * WaveSpeed sent base64), described in `images` (or `files`) with its size and type. Every output is checked by its bytes.
 */
export async function buildOutputItem(
	ctx: ApiContext,
	task: Task,
	options: OutputOptions,
): Promise<INodeExecutionData> {
	const item: INodeExecutionData = { json: getTaskJson(task) };
	if (task.status !== COMPLETED_STATUS) return item;
	const outputs = task.outputs ?? [];
	if (outputs.every((output) => classifyOutput(output) === 'empty')) {
		// Only the JSON was asked for: it already says there is nothing.
		if (!options.downloadOutput) return item;
		throw taskError(
			ctx.getNode(),
			options.itemIndex,
			task.id,
			`WaveSpeed task ${task.id} completed without any output${options.media === 'any' ? '' : ' image'}`,
			`WaveSpeed reported success but sent no ${options.media === 'any' ? 'output' : 'image'}. Get Result with this task ID shows what WaveSpeed has now.`,
		);
	}

	const isWanted = (kind: OutputKind) => kind !== 'empty' && (kind !== 'url' || options.downloadOutput);
	if (!outputs.some((output) => isWanted(classifyOutput(output)))) return item;

	const { deadlineMs } = options;
	const binary: IBinaryKeyData = {};
	const described: IDataObject[] = [];
	const rules = MEDIA_RULES[options.media ?? 'image'];
	for (const [index, output] of outputs.entries()) {
		const kind = classifyOutput(output);
		if (!isWanted(kind)) continue;
		const property = getOutputBinaryProperty(options.outputBinaryProperty, index);
		const baseName = `${task.id}${index === 0 ? '' : `_${index}`}`;
		try {
			const stored =
				kind === 'url'
					? await downloadOutput(ctx, output, baseName, { ...options, deadlineMs }, rules)
					: await storeInlineOutput(ctx, output, baseName, options.itemIndex, rules);
			binary[property] = stored.binary;
			described.push({
				...(kind === 'url' ? { url: output } : {}),
				binaryProperty: property,
				...(options.media === 'any' ? { mediaType: stored.type.kind } : {}),
				mimeType: stored.binary.mimeType,
				fileName: stored.binary.fileName,
				...(await describeStoredFile(ctx, stored)),
			});
		} catch (error) {
			throw withTaskId(prefixMessage(error, `Output ${index + 1} of task ${task.id}`), task.id);
		}
	}
	item.json[rules.listField] = described;
	item.binary = binary;
	return item;
}

/** `data`, then `data_1`, `data_2`, … for further outputs. */
export function getOutputBinaryProperty(base: string, index: number): string {
	return index === 0 ? base : `${base}_${index}`;
}

interface StoredOutput {
	binary: IBinaryData;
	type: MediaType;
	/** The first bytes as they came (downloaded or decoded): the image's size is read from them, not from the store. */
	head: Buffer;
}

/**
 * Streams the file into n8n's binary store (a large file is never held in memory whole in filesystem/S3 modes),
 * once its first bytes show it is what the operation makes: a 200 from a CDN may be an error page (S3's XML
 * AccessDenied, HTML).
 */
async function downloadOutput(
	ctx: ApiContext,
	url: string,
	baseName: string,
	options: OutputOptions,
	rules: (typeof MEDIA_RULES)[OutputMedia],
): Promise<StoredOutput> {
	const { itemIndex, signal, deadlineMs } = options;
	let notAnImage: Error | undefined;
	try {
		return await downloadFile(ctx, { url, itemIndex, signal, deadlineMs, maxBytes: rules.maxBytes }, async (file) => {
			const type = rules.sniff(file.head);
			if (!type) {
				notAnImage = new NodeOperationError(
					ctx.getNode(),
					`the download is not ${rules.what}: ${describeNonImage(file.head, file.contentType)}`,
					{
						itemIndex,
						description:
							'The URL answered with something else, often an error page of the storage (access denied, an expired link). Nothing was stored.',
					},
				);
				throw notAnImage;
			}
			return { binary: await ctx.helpers.prepareBinaryData(file.body, `${baseName}.${type.extension}`, type.mimeType), type, head: file.head };
		});
	} catch (error) {
		throw error === notAnImage || signal?.aborted ? error : addGetResultHint(error, options.media === 'any' ? 'output' : 'image');
	}
}

/** The task completed and is paid for: a download that failed does not lose the output. */
function addGetResultHint<E>(error: E, what: string): E {
	if (error instanceof Error) error.message = `${error.message} (the ${what} exists: Get Result can download it again)`;
	return error;
}

async function storeInlineOutput(
	ctx: ApiContext,
	output: string,
	baseName: string,
	itemIndex: number,
	rules: (typeof MEDIA_RULES)[OutputMedia],
): Promise<StoredOutput> {
	const bytes = decodeBase64Output(output);
	const type = bytes && rules.sniff(bytes);
	if (!bytes || !type) {
		const what = bytes ? `base64 data that is not ${rules.what}` : `neither an http(s) URL nor base64 ${rules.listField === 'images' ? 'image ' : ''}data`;
		throw new NodeOperationError(ctx.getNode(), `WaveSpeed sent ${what}: "${output.slice(0, 40)}…"`, { itemIndex });
	}
	return { binary: await ctx.helpers.prepareBinaryData(bytes, `${baseName}.${type.extension}`, type.mimeType), type, head: bytes };
}

/**
 * Bytes of a stored output, and width and height of an image from its first bytes: those the download read ahead
 * (nearly always enough: the first chunk off the socket), else read back from the store. Reading back every output
 * costs a file open, or a database or S3 read in those binary modes, per item.
 */
async function describeStoredFile(ctx: ApiContext, stored: StoredOutput): Promise<IDataObject> {
	const { binary } = stored;
	let size;
	if (stored.type.kind === 'image') {
		size = readImageSize(stored.head);
		if (!size) {
			const head = binary.id
				? await readHeadBytes(await ctx.helpers.getBinaryStream(binary.id), IMAGE_HEAD_BYTES)
				: Buffer.from(binary.data, 'base64').subarray(0, IMAGE_HEAD_BYTES);
			size = readImageSize(head);
		}
	}
	const bytes = binary.bytes ?? (binary.id ? undefined : Buffer.byteLength(binary.data, 'base64'));
	return { ...(size ?? {}), ...(bytes !== undefined ? { fileSizeBytes: bytes } : {}) };
}
