import type { INodeProperties } from 'n8n-workflow';

import * as editImage from './editImage.operation';
import * as getResult from './getResult.operation';

export { editImage, getResult };

export type Operation = 'editImage' | 'getResult';

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
			name: 'Get Result',
			value: 'getResult',
			action: 'Get the result of a task',
			description: 'Fetch, or wait for, a task submitted earlier',
		},
	],
	default: 'editImage',
};
