import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { findRunModel, getModelEndpoint, isValidModelId } from '../models/catalogue';
import type { BinaryImage } from '../media/imageInputs';
import { parseList, readBinaryFiles } from '../media/imageInputs';
import { parameterError } from '../transport/itemErrors';
import { sniffMediaType } from '../media/mediaType';
import type { BinaryMapping } from '../models/modelInputs';
import { BINARY_INPUTS_PARAMETER, EXTRA_INPUTS_PARAMETER, MODEL_INPUTS_PARAMETER, assembleInputs, fillPlaceholders } from '../models/modelInputs';
import { estimateModelCost } from '../money/modelPrice';
import { getTaskSharing, runTask } from '../task/taskRun';
import { uploadBinaries } from '../media/upload';
import type { WaitSettings } from './parameters';
import { readWaitSettings } from './parameters';
import type { DescribedRequest, EstimateCall, PrepareContext, RunContext } from './operation';

const MODEL_PARAMETER = 'Model';

const properties: INodeProperties[] = [
	{
		displayName: MODEL_PARAMETER,
		name: 'model',
		type: 'resourceLocator',
		default: { mode: 'list', value: '' },
		required: true,
		description:
			"The WaveSpeed model to run: from WaveSpeed's model catalogue, or any model ID. A model the catalogue does not list (or cannot be read for) still runs, its inputs sent unchecked.",
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
		description:
			"The model's inputs, from its request schema in WaveSpeed's catalogue. Required ones are marked; values are checked against the schema before anything is sent.",
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
		description:
			"Inputs the form cannot express (nested objects, lists of objects), or every input of a model the catalogue does not list, as a JSON object. Checked against the model's schema like the rest, where the catalogue has one.",
	},
];

export const description = updateDisplayOptions({ show: { operation: ['runModel'] } }, properties);

export const holdsTaskSlots = true;

export interface Job {
	itemIndex: number;
	modelId: string;
	/** The catalogue's floor price, where it lists the model. */
	basePriceUsd?: number;
	/** Inputs (checked where there is a schema), with placeholders where the binaries' URLs go once uploaded. */
	inputs: Record<string, unknown>;
	/** Why the inputs were not checked against a schema; undefined when they were. */
	uncheckedBecause?: string;
	binaries: BinaryImage[];
	settings: WaitSettings;
	/** The cost fields the money guards' estimate found (quote or catalogue); reused when the inputs are sent as quoted. */
	estimatedCost?: IDataObject;
}

/**
 * Reads the model (from the catalogue, read once per run) and checks every input against its schema: nothing is sent.
 * Where the catalogue cannot be read, does not list the model or has no schema for it, the inputs go as given.
 */
export async function prepare(this: IExecuteFunctions, itemIndex: number, context: PrepareContext): Promise<Job> {
	const node = this.getNode();
	const modelId = readModelId(this, itemIndex);
	const settings = readWaitSettings(this, itemIndex, context.isToolCall);
	const lookup = await findRunModel(this, modelId, settings.timeoutMs);
	const model = 'model' in lookup ? lookup.model : undefined;
	const schema = model?.schema;
	const uncheckedBecause = 'uncheckedBecause' in lookup ? lookup.uncheckedBecause : schema ? undefined : `WaveSpeed's model catalogue gives no input schema for "${modelId}"`;

	const mappings = readBinaryMappings(this, itemIndex);
	const assembled = assembleInputs(schema, readFormValues(this, itemIndex), readExtraInputs(this, itemIndex), mappings);
	if ('error' in assembled) throw parameterError(node, itemIndex, assembled.error.parameter, assembled.error.message);
	for (const [option, label, on] of [['enable_base64_output', 'Base64 Output', settings.base64Output], ['enable_sync_mode', 'Sync Mode', settings.syncMode]] as const) {
		if (on && schema && !schema.properties[option]) throw parameterError(node, itemIndex, label, `Model "${modelId}" has no ${label.toLowerCase()}`);
	}
	const binaries = await readBinaryFiles(this, itemIndex, mappings.flatMap((mapping) => mapping.binaryFields), {
		parameter: BINARY_INPUTS_PARAMETER,
		sniff: sniffMediaType,
		what: 'an image, video or audio file',
		hint: 'Map binary fields that hold the media the model takes.',
	});
	return { itemIndex, modelId, basePriceUsd: model?.basePriceUsd, inputs: assembled.inputs, uncheckedBecause, binaries, settings };
}

/**
 * The quote for the item's inputs, else the catalogue's base price (money/modelPrice.ts: once per node run for the
 * same model and inputs). Binaries are still placeholders here: a quote that cannot price them leaves the catalogue's
 * price.
 */
export async function estimateCost(this: IExecuteFunctions, job: Job, call: EstimateCall): Promise<IDataObject> {
	const deadlineMs = Math.min(call.deadlineMs, Date.now() + job.settings.timeoutMs);
	job.estimatedCost = await estimateModelCost(this, { modelId: job.modelId, basePriceUsd: job.basePriceUsd }, job.inputs as IDataObject, {
		itemIndex: job.itemIndex,
		signal: call.signal,
		deadlineMs,
	});
	return job.estimatedCost;
}

/** For the Idempotency Key's check: the inputs with placeholders where binaries go. */
export function describeRequest(job: Job): DescribedRequest {
	return { request: { modelId: job.modelId, inputs: job.inputs as IDataObject }, binaries: job.binaries };
}

export async function execute(this: IExecuteFunctions, job: Job, run: RunContext): Promise<INodeExecutionData> {
	const { itemIndex, modelId } = job;
	// Timeout bounds the whole item from its start, key lookup and uploads included.
	const deadlineMs = run.startedAtMs + job.settings.timeoutMs;
	// A task an earlier try paid for is picked up as it is: its files were uploaded then.
	const uploadedUrls = run.record.taskId ? [] : await uploadBinaries(this, run.uploads, job.binaries, itemIndex, run.signal, deadlineMs);
	const request = fillPlaceholders(job.inputs, uploadedUrls) as IDataObject;
	// Quoted once before anything was sent (money guards) for exactly these inputs: not asked again. Otherwise asked
	// (once per run for the same inputs) while the task is submitted and runs: it adds no time to the item.
	const quotedAsSent = job.estimatedCost && job.binaries.length === 0 ? job.estimatedCost : undefined;
	const cost = quotedAsSent ? Promise.resolve(quotedAsSent) : estimateModelCost(this, { modelId, basePriceUsd: job.basePriceUsd }, request, { itemIndex, signal: run.signal, deadlineMs });
	// Carried with the cost, so it reaches the output however the item waits (poll, webhook, not at all).
	const checked = job.uncheckedBecause ? { inputsChecked: false, inputsNote: `Inputs sent as given, not checked against a schema: ${job.uncheckedBecause}` } : { inputsChecked: true };
	return await runTask(this, {
		endpoint: getModelEndpoint(modelId),
		request,
		cost: cost.then((fields) => ({ ...fields, ...checked })),
		durationKind: modelId,
		media: 'any',
		settings: job.settings,
		itemIndex,
		deadlineMs,
		...getTaskSharing(run),
	});
}

function readModelId(ctx: IExecuteFunctions, itemIndex: number): string {
	const raw = ctx.getNodeParameter('model', itemIndex, '', { extractValue: true }) as unknown;
	// Saved as a resource locator; an expression may give the id alone.
	const value = raw && typeof raw === 'object' && 'value' in raw ? (raw as { value: unknown }).value : raw;
	const modelId = typeof value === 'string' ? value.trim() : '';
	if (!modelId) throw parameterError(ctx.getNode(), itemIndex, MODEL_PARAMETER, 'No model chosen');
	if (!isValidModelId(modelId)) throw parameterError(ctx.getNode(), itemIndex, MODEL_PARAMETER, `"${modelId}" is not a WaveSpeed model ID`, 'Model IDs look like bytedance/seedream-v4/edit.');
	return modelId;
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
