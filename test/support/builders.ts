/** Small builders so tests don't re-type parameters and items. */
import type { INodeExecutionData } from 'n8n-workflow';

import type { FakeWaveSpeed } from './fakeWaveSpeed';
import { makePlaceholderPng } from './placeholderPng';
import type { ContextOptions, ParamValue } from './executeContext';
import { binaryItem } from './executeContext';

export const FAST_OPTIONS = { pollInterval: 0.5, timeout: 20 };

export function editParams(overrides: Record<string, ParamValue> = {}): Record<string, ParamValue> {
	return {
		operation: 'editImage',
		prompt: 'Put the product on a marble table',
		imageSource: 'binary',
		binaryProperties: 'data',
		imageUrls: '',
		aspectRatio: 'auto',
		resolution: '1k',
		quality: 'medium',
		waitForCompletion: true,
		options: FAST_OPTIONS,
		...overrides,
	};
}

export function getResultParams(taskId: ParamValue, overrides: Record<string, ParamValue> = {}): Record<string, ParamValue> {
	return { operation: 'getResult', taskId, waitForCompletion: true, options: FAST_OPTIONS, ...overrides };
}

export function pngItem(seed = 'input', property = 'data'): INodeExecutionData {
	return binaryItem({ [property]: { bytes: makePlaceholderPng({ seed }), fileName: `${seed}.png` } });
}

export function pngItems(count: number, distinct = true): INodeExecutionData[] {
	return Array.from({ length: count }, (_, index) => pngItem(distinct ? `input-${index}` : 'same'));
}

export function contextFor(
	fake: FakeWaveSpeed,
	params: Record<string, ParamValue>,
	extra: Partial<ContextOptions> = {},
): ContextOptions {
	return { params, credentials: { apiKey: fake.options.apiKey, baseUrl: fake.url }, ...extra };
}

/** Run Model on a model of the local server's catalogue, with the form's values and the node's options. */
export function runModelParams(
	model: string,
	inputs: Record<string, unknown>,
	overrides: Record<string, ParamValue> = {},
): Record<string, ParamValue> {
	return {
		operation: 'runModel',
		model: { __rl: true, mode: 'list', value: model },
		inputs: { mappingMode: 'defineBelow', value: inputs },
		binaryInputs: {},
		additionalInputs: '{}',
		waitForCompletion: true,
		options: FAST_OPTIONS,
		...overrides,
	};
}
