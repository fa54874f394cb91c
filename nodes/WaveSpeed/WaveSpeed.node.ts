import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { optionsProperty, qualityProperty, resolutionProperty, waitForCompletionProperty } from './operations/descriptions';
import { editImage, generateImage, getBalance, getResult, operationProperty, runModel } from './operations';
import { router } from './engine/router';
import { listSearch, loadOptions, resourceMapping } from './methods';
import { outputShaping } from './engine/itemOutcomes';
import { resumeOnCallback } from './webhooks/resumeOnCallback';
import { resumeWebhooks } from './webhooks/resumeWebhook';

export class WaveSpeed implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'WaveSpeed',
		name: 'waveSpeed',
		icon: { light: 'file:wavespeed.svg', dark: 'file:wavespeed.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle:
			'={{ {"editImage": "Edit Image", "generateImage": "Generate Image", "runModel": "Run Model", "getResult": "Get Result", "getBalance": "Get Balance"}[$parameter["operation"]] }}',
		// Also what an AI agent reads about the tool: say what goes in and what comes back.
		description:
			'Edit images (prompt + image URLs) or generate them from a prompt with GPT Image 2 on WaveSpeed AI, or run any WaveSpeed model. Returns the task ID, status, output URLs and the estimated cost in USD.',
		defaults: { name: 'WaveSpeed' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'waveSpeedAiApi', required: true }],
		// Wait Method "webhook": WaveSpeed calls this execution's resume URL ($execution.resumeUrl) when a task ends.
		webhooks: resumeWebhooks,
		properties: [
			operationProperty,
			...editImage.description,
			...generateImage.description,
			...runModel.description,
			...getResult.description,
			...getBalance.description,
			resolutionProperty,
			qualityProperty,
			waitForCompletionProperty,
			optionsProperty,
		],
	};

	methods = { listSearch, loadOptions, resourceMapping };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return await resumeOnCallback.call(this, outputShaping);
	}
}
