import type { IBinaryKeyData, IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { downloadFile } from '../transport/files';
import { sniffImageMimeType } from './imageInputs';
import { prefixMessage } from './itemErrors';
import { COMPLETED_STATUS } from './taskStatus';
import type { Task } from './types';

export interface OutputOptions {
	itemIndex: number;
	downloadOutput: boolean;
	outputBinaryProperty: string;
	signal?: AbortSignal;
}

/** The fields of a task that a workflow needs; the rest of WaveSpeed's reply is noise. */
export function getTaskJson(task: Task): IDataObject {
	return {
		id: task.id,
		status: task.status,
		model: task.model,
		outputs: task.outputs ?? [],
		has_nsfw_contents: task.has_nsfw_contents ?? [],
		timings: task.timings ?? {},
		created_at: task.created_at,
		error: task.error ?? '',
	};
}

/** The n8n item for a task: its JSON, and once completed, each output image as binary data. */
export async function buildOutputItem(
	ctx: IExecuteFunctions,
	task: Task,
	options: OutputOptions,
): Promise<INodeExecutionData> {
	const item: INodeExecutionData = { json: getTaskJson(task) };
	if (!options.downloadOutput || task.status !== COMPLETED_STATUS || !task.outputs?.length) return item;

	const binary: IBinaryKeyData = {};
	for (const [index, url] of task.outputs.entries()) {
		const property = getOutputBinaryProperty(options.outputBinaryProperty, index);
		const baseName = `${task.id}${index === 0 ? '' : `_${index}`}`;
		try {
			binary[property] = await downloadFile(ctx, url, options.itemIndex, options.signal, async (file) => {
				const declared = file.contentType?.split(';')[0].trim().toLowerCase();
				if (declared?.startsWith('image/')) {
					return await ctx.helpers.prepareBinaryData(file.body, `${baseName}.${getExtension(declared)}`, declared);
				}
				// CDNs often answer application/octet-stream; the bytes know better. WaveSpeed documents PNG outputs.
				const bytes = await ctx.helpers.binaryToBuffer(file.body);
				const mimeType = sniffImageMimeType(bytes) ?? 'image/png';
				return await ctx.helpers.prepareBinaryData(bytes, `${baseName}.${getExtension(mimeType)}`, mimeType);
			});
		} catch (error) {
			throw prefixMessage(error, `Output ${index + 1} of task ${task.id}`);
		}
	}
	item.binary = binary;
	return item;
}

/** `data`, then `data_1`, `data_2`, … for further outputs. */
export function getOutputBinaryProperty(base: string, index: number): string {
	return index === 0 ? base : `${base}_${index}`;
}

function getExtension(mimeType: string): string {
	const subtype = mimeType.split('/')[1] ?? 'png';
	return subtype === 'jpeg' ? 'jpg' : subtype.replace(/\+.*$/, '');
}
