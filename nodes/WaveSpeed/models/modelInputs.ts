/**
 * One item's inputs for a model: the fields of the form, the JSON extras and the binaries mapped to URL fields,
 * combined and checked against the model's schema. Binaries stand in as placeholders until they are uploaded. Pure.
 */
import type { RequestSchema } from './requestSchema';
import { OPTION_FIELDS, checkInputs, getMediaFieldShape } from './requestSchema';

export const MODEL_INPUTS_PARAMETER = 'Model Inputs';
export const EXTRA_INPUTS_PARAMETER = 'Additional Inputs (JSON)';
export const BINARY_INPUTS_PARAMETER = 'Binary Inputs';

/** A model URL field filled from binary fields of the item (several only where the field takes a list). */
export interface BinaryMapping {
	field: string;
	binaryFields: string[];
}

export interface InputError {
	parameter: string;
	message: string;
}

const PLACEHOLDER_PREFIX = 'https://binary.upload.pending/';

export function binaryPlaceholder(index: number): string {
	return `${PLACEHOLDER_PREFIX}${index}`;
}

export function isBinaryPlaceholder(value: string): boolean {
	return value.startsWith(PLACEHOLDER_PREFIX);
}

/**
 * The checked inputs, with `binaryPlaceholder(n)` where the n-th mapped binary goes (in mapping order, a list
 * field's binaries before its URLs), or the first problem, naming the parameter and the field. Without a schema (the
 * catalogue could not be read, or does not list the model) the inputs go as given, only empty values left out.
 */
export function assembleInputs(
	schema: RequestSchema | undefined,
	formValues: Record<string, unknown>,
	extraValues: Record<string, unknown>,
	mappings: BinaryMapping[],
): { inputs: Record<string, unknown> } | { error: InputError } {
	const fail = (parameter: string, message: string) => ({ error: { parameter, message } });
	for (const [parameter, values] of [[MODEL_INPUTS_PARAMETER, formValues], [EXTRA_INPUTS_PARAMETER, extraValues]] as const) {
		const optionField = Object.keys(values).find((field) => OPTION_FIELDS.includes(field));
		if (optionField) return fail(parameter, `Input "${optionField}" is set with the node's options (Sync Mode, Base64 Output), not here`);
	}
	const both = Object.keys(extraValues).find((field) => isGiven(formValues[field]));
	if (both) return fail(EXTRA_INPUTS_PARAMETER, `Input "${both}" is set both in ${MODEL_INPUTS_PARAMETER} and here: keep one`);
	const given = { ...formValues, ...extraValues };

	let binaryCount = 0;
	const withBinaries: Record<string, unknown> = { ...given };
	for (const { field, binaryFields } of mappings) {
		const property = schema?.properties[field];
		const shape = schema ? property && getMediaFieldShape(field, property) : guessMediaFieldShape(field, given[field]);
		if (!shape) return fail(BINARY_INPUTS_PARAMETER, `Input "${field}" of this model does not take a file URL`);
		if (field in withBinaries && withBinaries[field] !== given[field]) {
			return fail(BINARY_INPUTS_PARAMETER, `Input "${field}" is mapped twice: map its binary fields in one entry`);
		}
		if (binaryFields.length === 0) return fail(BINARY_INPUTS_PARAMETER, `No binary field given for input "${field}"`);
		const placeholders = binaryFields.map(() => binaryPlaceholder(binaryCount++));
		if (shape === 'single') {
			if (placeholders.length > 1) return fail(BINARY_INPUTS_PARAMETER, `Input "${field}" takes one file, got ${placeholders.length} binary fields`);
			if (isGiven(given[field])) return fail(BINARY_INPUTS_PARAMETER, `Input "${field}" is set both here and as a value: keep one`);
			withBinaries[field] = placeholders[0];
		} else {
			const urls = given[field];
			const listed = !isGiven(urls) ? [] : Array.isArray(urls) ? urls : [urls];
			withBinaries[field] = [...placeholders, ...listed];
		}
	}

	if (!schema) return { inputs: Object.fromEntries(Object.entries(withBinaries).filter(([, value]) => isGiven(value))) };
	const { inputs, problems } = checkInputs(schema, withBinaries);
	if (problems.length > 0) {
		const [problem] = problems;
		const parameter = field(problem.field, mappings) ? BINARY_INPUTS_PARAMETER : field(problem.field, extraValues) ? EXTRA_INPUTS_PARAMETER : MODEL_INPUTS_PARAMETER;
		return fail(parameter, `Input ${problem.message}`);
	}
	const badUrl = findNonHttpUrl(schema, inputs);
	if (badUrl) return fail(field(badUrl.field, extraValues) ? EXTRA_INPUTS_PARAMETER : MODEL_INPUTS_PARAMETER, badUrl.message);
	return { inputs };
}

/** Without a schema, a field takes a list where a list is given or its name is plural (`images`, `image_urls`). */
function guessMediaFieldShape(name: string, given: unknown): 'single' | 'array' {
	return Array.isArray(given) || /(^|_)(images|videos|audios|masks|files|urls)$/.test(name) ? 'array' : 'single';
}

function isGiven(value: unknown): boolean {
	return value !== undefined && value !== null && value !== '';
}

function field(name: string, where: Record<string, unknown> | BinaryMapping[]): boolean {
	return Array.isArray(where) ? where.some((mapping) => mapping.field === name) : name in where;
}

/** WaveSpeed downloads media inputs itself: each must be a public http(s) URL (binaries are uploaded to make one). */
function findNonHttpUrl(schema: RequestSchema, inputs: Record<string, unknown>): { field: string; message: string } | undefined {
	for (const [name, value] of Object.entries(inputs)) {
		const property = schema.properties[name];
		if (!property || !getMediaFieldShape(name, property)) continue;
		for (const url of Array.isArray(value) ? value : [value]) {
			if (typeof url === 'string' && !/^https?:\/\/[^\s/]+/i.test(url)) {
				return {
					field: name,
					message: `Input "${name}": "${url.length > 60 ? `${url.slice(0, 60)}…` : url}" is not an http(s) URL WaveSpeed can download (map binary data under ${BINARY_INPUTS_PARAMETER} instead)`,
				};
			}
		}
	}
	return undefined;
}

/** The request as sent: each placeholder replaced by the URL its binary was uploaded to. */
export function fillPlaceholders(inputs: Record<string, unknown>, uploadedUrls: string[]): Record<string, unknown> {
	const fill = (value: unknown): unknown => {
		if (typeof value !== 'string' || !value.startsWith(PLACEHOLDER_PREFIX)) return value;
		return uploadedUrls[Number(value.slice(PLACEHOLDER_PREFIX.length))] ?? value;
	};
	return Object.fromEntries(Object.entries(inputs).map(([name, value]) => [name, Array.isArray(value) ? value.map(fill) : fill(value)]));
}
