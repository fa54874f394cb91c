/** The item a finished task starts its execution with: the prediction, the Trigger URL's query, the outputs as files. */
import type { IDataObject, INodeExecutionData, IWebhookFunctions } from 'n8n-workflow';

import { buildOutputItem, getTaskJson } from '../WaveSpeed/media/output';
import { COMPLETED_STATUS } from '../WaveSpeed/models/taskStatus';
import type { CallbackPrediction } from './callbackDecision';
import { DEFAULT_DOWNLOAD_TIMEOUT_SECONDS } from './description';

export interface TriggerItemOptions {
	downloadOutput: boolean;
	outputBinaryProperty: string;
	downloadTimeoutSeconds: number;
}

export function readTriggerOptions(options: IDataObject): TriggerItemOptions {
	const seconds = Number(options.downloadTimeout ?? DEFAULT_DOWNLOAD_TIMEOUT_SECONDS);
	return {
		downloadOutput: options.downloadOutput !== false,
		outputBinaryProperty: String(options.outputBinaryProperty || 'data').trim() || 'data',
		downloadTimeoutSeconds: Number.isFinite(seconds) && seconds > 0 ? seconds : DEFAULT_DOWNLOAD_TIMEOUT_SECONDS,
	};
}

export async function buildTriggerItem(
	ctx: IWebhookFunctions,
	prediction: CallbackPrediction,
	options: TriggerItemOptions,
): Promise<INodeExecutionData> {
	const json: IDataObject = {
		...getTaskJson(prediction),
		...(typeof prediction.code === 'number' ? { code: prediction.code } : {}),
		input: prediction.input ?? {},
		query: ctx.getQueryData() as IDataObject,
	};
	// A failed task has nothing to download: its JSON carries WaveSpeed's error.
	if (!options.downloadOutput || prediction.status !== COMPLETED_STATUS) return { json };
	try {
		const downloaded = await buildOutputItem(ctx, prediction, {
			itemIndex: 0,
			downloadOutput: true,
			outputBinaryProperty: options.outputBinaryProperty,
			deadlineMs: Date.now() + options.downloadTimeoutSeconds * 1000,
			// A callback URL may be given to any model's task: images, videos or audio.
			media: 'any',
		});
		return { json: { ...json, files: downloaded.json.files }, binary: downloaded.binary };
	} catch (error) {
		// The task is finished and paid for: its execution still starts, so the workflow can fetch it again (Get Result).
		return { json: { ...json, downloadError: (error as Error).message } };
	}
}
