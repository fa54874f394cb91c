import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { runImageTask } from '../helpers/imageTask';
import { parameterError } from '../helpers/itemErrors';
import { DEFAULT_GENERATE_ASPECT_RATIO, GENERATE_IMAGE_ENDPOINT, estimateCostUsd } from '../helpers/model';
import {
	aspectRatioProperty,
	readImageChoices,
	readWaitSettings,
} from './descriptions';
import type { RunContext } from './runContext';

const properties: INodeProperties[] = [
	{
		displayName: 'Prompt',
		name: 'prompt',
		type: 'string',
		typeOptions: { rows: 4 },
		required: true,
		default: '',
		placeholder: 'e.g. A bottle of olive oil on a rustic wooden table, morning light, product photo',
		description: 'What the image should show, in plain words',
	},
];

export const description = [
	...updateDisplayOptions({ show: { operation: ['generateImage'] } }, properties),
	aspectRatioProperty('generateImage', DEFAULT_GENERATE_ASPECT_RATIO, false),
];

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	run: RunContext,
): Promise<INodeExecutionData> {
	const prompt = String(this.getNodeParameter('prompt', itemIndex, '') ?? '').trim();
	if (!prompt) throw parameterError(this.getNode(), itemIndex, 'Prompt', 'The prompt is empty');
	const choices = readImageChoices(this, itemIndex, DEFAULT_GENERATE_ASPECT_RATIO);
	const settings = readWaitSettings(this, itemIndex, run.isToolCall);

	return await runImageTask(this, {
		endpoint: GENERATE_IMAGE_ENDPOINT,
		request: {
			prompt,
			aspect_ratio: choices.aspectRatio,
			resolution: choices.resolution,
			quality: choices.quality,
			...(settings.base64Output ? { enable_base64_output: true } : {}),
		},
		settings,
		itemIndex,
		estimatedCostUsd: estimateCostUsd(choices.quality, choices.resolution),
		signal: run.signal,
		onSubmitted: (taskId) => run.submittedTasks.set(itemIndex, taskId),
	});
}
