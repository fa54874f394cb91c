import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import type { CatalogueModel } from '../helpers/catalogue';
import { getRunCatalogue, isValidModelId } from '../helpers/catalogue';
import type { BinaryImage } from '../helpers/imageInputs';
import { parseList, readBinaryFiles } from '../helpers/imageInputs';
import { parameterError } from '../helpers/itemErrors';
import { sniffMediaType } from '../helpers/mediaType';
import type { BinaryMapping } from '../helpers/modelInputs';
import { BINARY_INPUTS_PARAMETER, EXTRA_INPUTS_PARAMETER, MODEL_INPUTS_PARAMETER, assembleInputs, fillPlaceholders } from '../helpers/modelInputs';
import { estimateModelCost } from '../helpers/modelPrice';
import { getTaskSharing, runTask } from '../helpers/taskRun';
import { uploadBinaries } from '../helpers/upload';
import type { PrepareContext } from './operation';
import type { WaitSettings } from './parameters';
import { readWaitSettings } from './parameters';
import type { RunContext } from './runContext';

const MODEL_PARAMETER = 'Model';

const properties: INodeProperties[] = [
	{
		displayName: MODEL_PARAMETER,
		name: 'model',
		type: 'resourceLocator',
		default: { mode: 'list', value: '' },
		required: true,
		description: "The WaveSpeed model to run, from WaveSpeed's model catalogue",
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				typeOptions: { searchListMethod: 'searchModels', searchable: true },
			},
			{
				displayName: 'By ID',
				name: 'id',
				type: 'string',
				placeholder: 'e.g. bytedance/seedream-v4/edit',
			},
		],
	},
	{
		displayName: MODEL_INPUTS_PARAMETER,
		name: 'inputs',
		type: 'resourceMapper',
		noDataExpression: true,
		default: { mappingMode: 'defineBelow', value: null },
		required: true,
		typeOptions: {
			loadOptionsDependsOn: ['model.value'],
			resourceMapper: {
				resourceMapperMethod: 'getModelInputs',
				mode: 'add',
				fieldWords: { singular: 'input', plural: 'inputs' },
				addAllFields: false,
				multiKeyMatch: false,
				supportAutoMap: false,
				noFieldsError: 'Choose a model first: its inputs appear here',
			},
		},
		description: "The model's inputs, from its request schema. Required ones are marked; values are checked before anything is sent.",
	},
	{
		displayName: BINARY_INPUTS_PARAMETER,
		name: 'binaryInputs',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Binary Input',
		default: {},
		description: "Files from the item's binary data for the model's URL inputs: they are uploaded to WaveSpeed storage first",
		options: [
			{
				displayName: 'Mapping',
				name: 'mapping',
				values: [
					{
						displayName: 'Model Input Name or ID',
						name: 'field',
						type: 'options',
						typeOptions: { loadOptionsMethod: 'getMediaFields', loadOptionsDependsOn: ['model.value'] },
						default: '',
						description: 'The URL input of the model. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
					},
					{
						displayName: 'Input Binary Fields',
						name: 'binaryProperties',
						type: 'string',
						default: 'data',
						placeholder: 'e.g. data, reference',
						description: 'Comma-separated binary fields of the item; several only where the input takes a list',
					},
				],
			},
		],
	},
	{
		displayName: EXTRA_INPUTS_PARAMETER,
		name: 'additionalInputs',
		type: 'json',
		default: '{}',
		description: 'Inputs the form cannot express (nested objects, lists of objects), as a JSON object. Checked against the model like the rest.',
	},
];

export const description = updateDisplayOptions({ show: { operation: ['runModel'] } }, properties);

export const holdsTaskSlots = true;

export interface Job {
	itemIndex: number;
	model: CatalogueModel;
	/** Checked inputs, with placeholders where the binaries' URLs go once uploaded. */
	inputs: Record<string, unknown>;
	binaries: BinaryImage[];
	settings: WaitSettings;
}

/** Reads the model (from the catalogue, fetched once per run) and checks every input against its schema: nothing is sent. */
export async function prepare(this: IExecuteFunctions, itemIndex: number, context: PrepareContext): Promise<Job> {
	const node = this.getNode();
	const model = await readModel(this, itemIndex);
	const schema = model.schema;
	if (!schema) {
		throw parameterError(node, itemIndex, MODEL_PARAMETER, `WaveSpeed's catalogue gives no input schema for "${model.modelId}", so its inputs cannot be checked`);
	}
	const mappings = readBinaryMappings(this, itemIndex);
	const assembled = assembleInputs(schema, readFormValues(this, itemIndex), readExtraInputs(this, itemIndex), mappings);
	if ('error' in assembled) throw parameterError(node, itemIndex, assembled.error.parameter, assembled.error.message);

	const settings = readWaitSettings(this, itemIndex, context.isToolCall);
	for (const [option, label, on] of [['enable_base64_output', 'Base64 Output', settings.base64Output], ['enable_sync_mode', 'Sync Mode', settings.syncMode]] as const) {
		if (on && !schema.properties[option]) throw parameterError(node, itemIndex, label, `Model "${model.modelId}" has no ${label.toLowerCase()}`);
	}
	const binaries = await readBinaryFiles(this, itemIndex, mappings.flatMap((mapping) => mapping.binaryFields), {
		parameter: BINARY_INPUTS_PARAMETER,
		sniff: sniffMediaType,
		what: 'an image, video or audio file',
		hint: 'Map binary fields that hold the media the model takes.',
	});
	return { itemIndex, model, inputs: assembled.inputs, binaries, settings };
}

export async function execute(this: IExecuteFunctions, job: Job, run: RunContext): Promise<INodeExecutionData> {
	const { itemIndex, model } = job;
	const deadlineMs = Date.now() + job.settings.timeoutMs;
	// A task an earlier try paid for is picked up as it is: its files were uploaded then.
	const uploadedUrls = run.record.taskId ? [] : await uploadBinaries(this, run.uploads, job.binaries, itemIndex, run.signal, deadlineMs);
	const request = fillPlaceholders(job.inputs, uploadedUrls) as IDataObject;
	const cost = await estimateModelCost(this, model, request, { itemIndex, signal: run.signal, deadlineMs });
	return await runTask(this, {
		endpoint: model.endpoint,
		request,
		cost,
		durationKind: model.modelId,
		media: 'any',
		settings: job.settings,
		itemIndex,
		deadlineMs,
		...getTaskSharing(run),
	});
}

async function readModel(ctx: IExecuteFunctions, itemIndex: number): Promise<CatalogueModel> {
	const raw = ctx.getNodeParameter('model', itemIndex, '', { extractValue: true }) as unknown;
	// Saved as a resource locator; an expression may give the id alone.
	const value = raw && typeof raw === 'object' && 'value' in raw ? (raw as { value: unknown }).value : raw;
	const modelId = typeof value === 'string' ? value.trim() : '';
	if (!modelId) throw parameterError(ctx.getNode(), itemIndex, MODEL_PARAMETER, 'No model chosen');
	if (!isValidModelId(modelId)) throw parameterError(ctx.getNode(), itemIndex, MODEL_PARAMETER, `"${modelId}" is not a WaveSpeed model ID`, 'Model IDs look like bytedance/seedream-v4/edit.');
	const model = (await getRunCatalogue(ctx)).get(modelId);
	if (!model) {
		throw parameterError(ctx.getNode(), itemIndex, MODEL_PARAMETER, `WaveSpeed's model catalogue has no model "${modelId}"`, 'Pick the model from the list, or check the ID on wavespeed.ai.');
	}
	return model;
}

function readFormValues(ctx: IExecuteFunctions, itemIndex: number): Record<string, unknown> {
	const mapper = ctx.getNodeParameter('inputs', itemIndex, {}) as { value?: unknown } | null;
	const values = mapper?.value;
	return values && typeof values === 'object' && !Array.isArray(values) ? (values as Record<string, unknown>) : {};
}

function readExtraInputs(ctx: IExecuteFunctions, itemIndex: number): Record<string, unknown> {
	const raw = ctx.getNodeParameter('additionalInputs', itemIndex, '{}') as unknown;
	let value = raw;
	if (typeof raw === 'string') {
		try {
			value = raw.trim() === '' ? {} : (JSON.parse(raw) as unknown);
		} catch (error) {
			throw parameterError(ctx.getNode(), itemIndex, EXTRA_INPUTS_PARAMETER, `Not valid JSON: ${(error as Error).message}`);
		}
	}
	if (!value || typeof value !== 'object' || Array.isArray(value)) {
		throw parameterError(ctx.getNode(), itemIndex, EXTRA_INPUTS_PARAMETER, 'Expected a JSON object, e.g. {"seed": 42}');
	}
	return value as Record<string, unknown>;
}

function readBinaryMappings(ctx: IExecuteFunctions, itemIndex: number): BinaryMapping[] {
	const raw = ctx.getNodeParameter('binaryInputs', itemIndex, {}) as { mapping?: Array<{ field?: unknown; binaryProperties?: unknown }> };
	return (raw?.mapping ?? []).map((entry) => ({
		field: String(entry.field ?? '').trim(),
		binaryFields: parseList(Array.isArray(entry.binaryProperties) ? entry.binaryProperties : String(entry.binaryProperties ?? '')),
	}));
}
