import type {
	IExecuteFunctions,
	ILoadOptionsFunctions,
	INodeListSearchResult,
	INodePropertyOptions,
	ResourceMapperField,
	ResourceMapperFields,
} from 'n8n-workflow';

import type { CatalogueModel } from '../models/catalogue';
import { describeCatalogueFailure, getEditorCatalogue } from '../models/catalogue';
import type { SchemaProperty } from '../models/requestSchema';
import { OPTION_FIELDS, getMediaFieldShape } from '../models/requestSchema';

/**
 * The editor's side of Run Model: the searchable model list, the inputs form built from the chosen model's schema,
 * and its URL inputs for binary mapping. All read the catalogue cached for the editor (models/catalogue); its errors
 * say they come from the catalogue. A model it does not list still runs, with its inputs under Additional Inputs.
 */

/** The transport uses only what both contexts have (credentials, node, HTTP helpers). */
function asRequestContext(ctx: ILoadOptionsFunctions): IExecuteFunctions {
	return ctx as unknown as IExecuteFunctions;
}

function readChosenModelId(ctx: ILoadOptionsFunctions): string {
	const value = ctx.getNodeParameter('model', undefined, { extractValue: true }) as unknown;
	return typeof value === 'string' ? value.trim() : '';
}

async function readChosenModel(ctx: ILoadOptionsFunctions): Promise<CatalogueModel | undefined> {
	const modelId = readChosenModelId(ctx);
	if (!modelId) return undefined;
	return (await getEditorCatalogue(asRequestContext(ctx))).get(modelId);
}

export async function searchModels(this: ILoadOptionsFunctions, filter?: string): Promise<INodeListSearchResult> {
	const catalogue = await getEditorCatalogue(asRequestContext(this));
	const words = (filter ?? '').toLowerCase().split(/\s+/).filter(Boolean);
	const results = [...catalogue.values()]
		.filter((model) => words.every((word) => `${model.modelId} ${model.name} ${model.type}`.toLowerCase().includes(word)))
		.sort((a, b) => a.modelId.localeCompare(b.modelId))
		.map((model) => ({
			name: model.modelId,
			value: model.modelId,
			description: [model.type, model.basePriceUsd === undefined ? '' : `from $${model.basePriceUsd}`].filter(Boolean).join(' · '),
			url: `https://wavespeed.ai/models/${model.modelId}`,
		}));
	return { results };
}

const FIELD_TYPES: Record<string, ResourceMapperField['type']> = {
	string: 'string',
	integer: 'number',
	number: 'number',
	boolean: 'boolean',
	array: 'array',
	object: 'object',
};

export async function getModelInputs(this: ILoadOptionsFunctions): Promise<ResourceMapperFields> {
	const modelId = readChosenModelId(this);
	if (!modelId) return { fields: [], emptyFieldsNotice: 'Choose a model from the list to see its inputs' };
	const elsewhere = 'give its inputs under Additional Inputs (JSON): they are sent as given, unchecked';
	let model: CatalogueModel | undefined;
	try {
		model = await readChosenModel(this);
	} catch (error) {
		return { fields: [], emptyFieldsNotice: `${describeCatalogueFailure(error)}. The model still runs: ${elsewhere}` };
	}
	if (!model) return { fields: [], emptyFieldsNotice: `WaveSpeed's model catalogue does not list "${modelId}". It still runs: ${elsewhere}` };
	if (!model.schema) return { fields: [], emptyFieldsNotice: `WaveSpeed's model catalogue gives no input schema for "${modelId}": ${elsewhere}` };
	const { properties, required, order } = model.schema;
	const fields = order
		.filter((name) => !OPTION_FIELDS.includes(name))
		.map((name): ResourceMapperField => describeField(name, properties[name], required.includes(name)));
	return { fields };
}

function describeField(name: string, property: SchemaProperty, isRequired: boolean): ResourceMapperField {
	const isEnum = Array.isArray(property.enum) && property.enum.length > 0;
	const shape = getMediaFieldShape(name, property);
	const defaultValue = property.default;
	return {
		id: name,
		displayName: shape ? `${name} (${shape === 'array' ? 'URLs' : 'URL'})` : name,
		// A URL input may be filled under Binary Inputs instead: n8n would refuse to run with it empty here. Still
		// required at run time (checked before anything is sent).
		required: isRequired && !shape,
		defaultMatch: false,
		canBeUsedToMatch: false,
		display: true,
		type: isEnum ? 'options' : (FIELD_TYPES[property.type ?? ''] ?? 'string'),
		...(isEnum ? { options: property.enum!.map((value) => ({ name: String(value), value: value as string | number })) } : {}),
		...(['string', 'number', 'boolean'].includes(typeof defaultValue) ? { defaultValue: defaultValue as string | number | boolean } : {}),
	};
}

export async function getMediaFields(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	const model = await readChosenModel(this);
	if (!model?.schema) return [];
	return model.schema.order.flatMap((name) => {
		const shape = getMediaFieldShape(name, model.schema!.properties[name]);
		return shape ? [{ name, value: name, description: shape === 'array' ? 'A list of files' : 'One file' }] : [];
	});
}
