import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { optionsProperty, qualityProperty, resolutionProperty, waitForCompletionProperty } from './actions/descriptions';
import { editImage, generateImage, getBalance, getResult, operationProperty } from './actions';
import { router } from './actions/router';

export class WaveSpeed implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'WaveSpeed',
		name: 'waveSpeed',
		icon: { light: 'file:wavespeed.svg', dark: 'file:wavespeed.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle:
			'={{ {"editImage": "Edit Image", "generateImage": "Generate Image", "getResult": "Get Result", "getBalance": "Get Balance"}[$parameter["operation"]] }}',
		description: 'Edit and generate images with WaveSpeed AI (GPT Image 2)',
		defaults: { name: 'WaveSpeed' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'wavespeedApi', required: true }],
		properties: [
			operationProperty,
			...editImage.description,
			...generateImage.description,
			...getResult.description,
			...getBalance.description,
			resolutionProperty,
			qualityProperty,
			waitForCompletionProperty,
			optionsProperty,
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
