import type { IBinaryData, IBinaryKeyData, IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { downloadFile } from '../transport/files';
import { sniffImageMimeType } from './imageInputs';
import { IMAGE_HEAD_BYTES, readHeadBytes, readImageSize } from './imageSize';
import { prefixMessage } from './itemErrors';
import { COMPLETED_STATUS } from './taskStatus';
import type { Task } from './types';

export interface OutputOptions {
	itemIndex: number;
	downloadOutput: boolean;
	outputBinaryProperty: string;
	signal?: AbortSignal;
	/** The item's Timeout, as a time (epoch ms). */
	deadlineMs?: number;
}

/** With base64 output on, WaveSpeed puts the image itself where a URL would be (no `data:` prefix). */
export function isInlineOutput(output: string): boolean {
	return !/^https?:\/\//i.test(output);
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
 * when WaveSpeed sent base64), described in `images` with its size and type.
 */
export async function buildOutputItem(
	ctx: IExecuteFunctions,
	task: Task,
	options: OutputOptions,
): Promise<INodeExecutionData> {
	const item: INodeExecutionData = { json: getTaskJson(task) };
	const outputs = task.status === COMPLETED_STATUS ? (task.outputs ?? []) : [];
	const wanted = outputs.filter((output) => options.downloadOutput || isInlineOutput(output));
	if (wanted.length === 0) return item;

	const binary: IBinaryKeyData = {};
	const images: IDataObject[] = [];
	for (const [index, output] of outputs.entries()) {
		if (!options.downloadOutput && !isInlineOutput(output)) continue;
		const property = getOutputBinaryProperty(options.outputBinaryProperty, index);
		const baseName = `${task.id}${index === 0 ? '' : `_${index}`}`;
		try {
			const stored = isInlineOutput(output)
				? await storeBytes(ctx, Buffer.from(output.replace(/^data:[^,]*,/, ''), 'base64'), baseName)
				: await downloadOutput(ctx, output, baseName, options);
			binary[property] = stored;
			images.push({
				...(isInlineOutput(output) ? {} : { url: output }),
				binaryProperty: property,
				mimeType: stored.mimeType,
				fileName: stored.fileName,
				...(await describeStoredImage(ctx, stored)),
			});
		} catch (error) {
			throw prefixMessage(error, `Output ${index + 1} of task ${task.id}`);
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

async function downloadOutput(
	ctx: IExecuteFunctions,
	url: string,
	baseName: string,
	options: OutputOptions,
): Promise<IBinaryData> {
	return await downloadFile(ctx, url, options.itemIndex, options.signal, async (file) => {
		const declared = file.contentType?.split(';')[0].trim().toLowerCase();
		if (declared?.startsWith('image/')) {
			// Streamed into n8n's binary store: a large image is never held in memory whole (filesystem/S3 modes).
			return await ctx.helpers.prepareBinaryData(file.body, `${baseName}.${getExtension(declared)}`, declared);
		}
		// CDNs often answer application/octet-stream; the bytes know better.
		return await storeBytes(ctx, await ctx.helpers.binaryToBuffer(file.body), baseName);
	});
}

/** WaveSpeed documents PNG outputs; the bytes say what they really are. */
async function storeBytes(ctx: IExecuteFunctions, bytes: Buffer, baseName: string): Promise<IBinaryData> {
	const mimeType = sniffImageMimeType(bytes) ?? 'image/png';
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
	return subtype === 'jpeg' ? 'jpg' : subtype.replace(/\+.*$/, '');
}
