import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { runImageTask } from '../helpers/imageTask';
import { DEFAULT_GENERATE_ASPECT_RATIO, GENERATE_IMAGE_ENDPOINT } from '../helpers/model';
import { aspectRatioProperty, promptProperty, readImageChoices, readPrompt, readWaitSettings } from './descriptions';
import type { RunContext } from './runContext';

export const description: INodeProperties[] = [
	promptProperty(
		'generateImage',
		'e.g. A bottle of olive oil on a rustic wooden table, morning light, product photo',
		'What the image should show, in plain words',
	),
	aspectRatioProperty('generateImage', DEFAULT_GENERATE_ASPECT_RATIO, false),
];

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	run: RunContext,
): Promise<INodeExecutionData> {
	const prompt = readPrompt(this, itemIndex);
	const choices = readImageChoices(this, itemIndex, DEFAULT_GENERATE_ASPECT_RATIO);
	const settings = readWaitSettings(this, itemIndex, run.isToolCall);
	return await runImageTask(this, {
		endpoint: GENERATE_IMAGE_ENDPOINT,
		prompt,
		...choices,
		settings,
		itemIndex,
		signal: run.signal,
		onSubmitted: (taskId) => run.submittedTasks.set(itemIndex, taskId),
	});
}
