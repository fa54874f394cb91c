import type { IBinaryData, IBinaryKeyData, IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { downloadFile } from '../transport/files';
import { sniffImageMimeType } from './imageInputs';
import { IMAGE_HEAD_BYTES, readHeadBytes, readImageSize } from './imageSize';
import { prefixMessage, taskError, withTaskId } from './itemErrors';
import { classifyOutput, decodeBase64Output, describeNonImage } from './outputData';
import type { OutputKind } from './outputData';
import { COMPLETED_STATUS } from './taskStatus';
import type { Task } from './types';

export interface OutputOptions {
	itemIndex: number;
	downloadOutput: boolean;
	outputBinaryProperty: string;
	signal?: AbortSignal;
	/** The item's deadline (epoch ms): no download, retry or wait goes past it. */
	deadlineMs?: number;
	/** Without a deadline, the item's Timeout still bounds its downloads, counted from when they start. */
	timeoutMs?: number;
}

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
 * The n8n item for a task: its JSON, and once completed each output image as binary data (downloaded, or decoded
 * when WaveSpeed sent base64), described in `images` with its size and type. Every image is checked by its bytes.
 */
export async function buildOutputItem(
	ctx: IExecuteFunctions,
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
			`WaveSpeed task ${task.id} completed without any output image`,
			'WaveSpeed reported success but sent no image. Get Result with this task ID shows what WaveSpeed has now.',
		);
	}

	const isWanted = (kind: OutputKind) => kind !== 'empty' && (kind !== 'url' || options.downloadOutput);
	if (!outputs.some((output) => isWanted(classifyOutput(output)))) return item;

	const deadlineMs =
		options.deadlineMs ?? (options.timeoutMs === undefined ? undefined : Date.now() + options.timeoutMs);
	const binary: IBinaryKeyData = {};
	const images: IDataObject[] = [];
	for (const [index, output] of outputs.entries()) {
		const kind = classifyOutput(output);
		if (!isWanted(kind)) continue;
		const property = getOutputBinaryProperty(options.outputBinaryProperty, index);
		const baseName = `${task.id}${index === 0 ? '' : `_${index}`}`;
		try {
			const stored =
				kind === 'url'
					? await downloadOutput(ctx, output, baseName, { ...options, deadlineMs })
					: await storeInlineOutput(ctx, output, baseName, options.itemIndex);
			binary[property] = stored;
			images.push({
				...(kind === 'url' ? { url: output } : {}),
				binaryProperty: property,
				mimeType: stored.mimeType,
				fileName: stored.fileName,
				...(await describeStoredImage(ctx, stored)),
			});
		} catch (error) {
			throw withTaskId(prefixMessage(error, `Output ${index + 1} of task ${task.id}`), task.id);
		}
	}
	item.json.images = images;
	item.binary = binary;
	return item;
}

/** `data`, then `data_1`, `data_2`, … for further outputs. */
export function getOutputBinaryProperty(base: string, index: number): string {
	return index === 0 ? base : `${base}_${index}`;
}

/**
 * Streams the image into n8n's binary store (a large image is never held in memory whole in filesystem/S3 modes),
 * once its first bytes show it is an image: a 200 from a CDN may be an error page (S3's XML AccessDenied, HTML).
 */
async function downloadOutput(
	ctx: IExecuteFunctions,
	url: string,
	baseName: string,
	options: OutputOptions,
): Promise<IBinaryData> {
	const { itemIndex, signal, deadlineMs } = options;
	let notAnImage: Error | undefined;
	try {
		return await downloadFile(ctx, { url, itemIndex, signal, deadlineMs }, async (file) => {
			const mimeType = sniffImageMimeType(file.head);
			if (!mimeType) {
				notAnImage = new NodeOperationError(
					ctx.getNode(),
					`the download is not a PNG, JPEG or WEBP image: ${describeNonImage(file.head, file.contentType)}`,
					{
						itemIndex,
						description:
							'The URL answered with something else, often an error page of the storage (access denied, an expired link). Nothing was stored.',
					},
				);
				throw notAnImage;
			}
			return await ctx.helpers.prepareBinaryData(file.body, `${baseName}.${getExtension(mimeType)}`, mimeType);
		});
	} catch (error) {
		throw error === notAnImage || signal?.aborted ? error : addGetResultHint(error);
	}
}

/** The task completed and is paid for: a download that failed does not lose the image. */
function addGetResultHint<E>(error: E): E {
	if (error instanceof Error) error.message = `${error.message} (the image exists: Get Result can download it again)`;
	return error;
}

async function storeInlineOutput(
	ctx: IExecuteFunctions,
	output: string,
	baseName: string,
	itemIndex: number,
): Promise<IBinaryData> {
	const bytes = decodeBase64Output(output);
	const mimeType = bytes && sniffImageMimeType(bytes);
	if (!bytes || !mimeType) {
		const what = bytes ? 'base64 data that is not a PNG, JPEG or WEBP image' : 'neither an http(s) URL nor base64 image data';
		throw new NodeOperationError(ctx.getNode(), `WaveSpeed sent ${what}: "${output.slice(0, 40)}…"`, { itemIndex });
	}
	return await ctx.helpers.prepareBinaryData(bytes, `${baseName}.${getExtension(mimeType)}`, mimeType);
}

/** Width, height and bytes of a stored image, read back from its first bytes. */
async function describeStoredImage(ctx: IExecuteFunctions, stored: IBinaryData): Promise<IDataObject> {
	const head = stored.id
		? await readHeadBytes(await ctx.helpers.getBinaryStream(stored.id), IMAGE_HEAD_BYTES)
		: Buffer.from(stored.data, 'base64').subarray(0, IMAGE_HEAD_BYTES);
	const size = readImageSize(head);
	const bytes = stored.bytes ?? (stored.id ? undefined : Buffer.byteLength(stored.data, 'base64'));
	return { ...(size ?? {}), ...(bytes !== undefined ? { fileSizeBytes: bytes } : {}) };
}

function getExtension(mimeType: string): string {
	const subtype = mimeType.split('/')[1] ?? 'png';
	return subtype === 'jpeg' ? 'jpg' : subtype;
}
