import type { INodeProperties } from 'n8n-workflow';

import * as editImage from './editImage.operation';
import * as generateImage from './generateImage.operation';
import * as getBalance from './getBalance.operation';
import * as getResult from './getResult.operation';
import * as runModel from './runModel.operation';

export { editImage, generateImage, getBalance, getResult, runModel };

export type Operation = 'editImage' | 'generateImage' | 'getBalance' | 'getResult' | 'runModel';

export const operationProperty: INodeProperties = {
	displayName: 'Operation',
	name: 'operation',
	type: 'options',
	noDataExpression: true,
	options: [
		{
			name: 'Edit Image',
			value: 'editImage',
			action: 'Edit an image',
			description: 'Edit images with a prompt using GPT Image 2 Edit',
		},
		{
			name: 'Generate Image',
			value: 'generateImage',
			action: 'Generate an image',
			description: 'Create an image from a prompt using GPT Image 2',
		},
		{
			name: 'Get Balance',
			value: 'getBalance',
			action: 'Get the account balance',
			description: 'The WaveSpeed account balance in USD',
		},
		{
			name: 'Get Result',
			value: 'getResult',
			action: 'Get the result of a task',
			description: 'Fetch, or wait for, a task submitted earlier by Edit Image, Generate Image or Run Model',
		},
		{
			name: 'Run Model',
			value: 'runModel',
			action: 'Run a model',
			description: "Run any model of WaveSpeed's catalogue (image, video, audio) with its own inputs",
		},
	],
	default: 'editImage',
};
