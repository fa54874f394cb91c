/**
 * A WaveSpeed model's JSON request schema: its fields in display order, which of them take media URLs, and checking
 * inputs against it before anything is sent (WaveSpeed silently drops unknown fields and may bill for a run with a
 * bad value). Pure.
 */

export interface SchemaProperty {
	type?: string;
	enum?: unknown[];
	default?: unknown;
	minimum?: number;
	maximum?: number;
	minItems?: number;
	maxItems?: number;
	description?: string;
	format?: string;
	items?: SchemaProperty;
	'x-ui-component'?: string;
}

export interface RequestSchema {
	properties: Record<string, SchemaProperty>;
	required: string[];
	/** `x-order-properties`, then any property it leaves out. */
	order: string[];
}

/** Set by the node's own options (Sync Mode, Base64 Output), not by inputs. */
export const OPTION_FIELDS = ['enable_sync_mode', 'enable_base64_output'];

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads a request_schema defensively: anything that is not a property object is left out. */
export function parseRequestSchema(raw: unknown): RequestSchema | undefined {
	if (!isRecord(raw) || !isRecord(raw.properties)) return undefined;
	const properties: Record<string, SchemaProperty> = {};
	for (const [name, property] of Object.entries(raw.properties)) {
		if (isRecord(property)) properties[name] = property as SchemaProperty;
	}
	const names = Object.keys(properties);
	const listed = Array.isArray(raw['x-order-properties']) ? raw['x-order-properties'].map(String) : [];
	const order = [...listed.filter((name) => names.includes(name)), ...names.filter((name) => !listed.includes(name))];
	const required = Array.isArray(raw.required) ? raw.required.map(String).filter((name) => names.includes(name)) : [];
	return { properties, required, order };
}

const MEDIA_FIELD_NAME = /(^|_)(images?|videos?|audios?|masks?|mask_image|files?|urls?)$/;

/**
 * Whether a field takes media URLs, and how many: WaveSpeed marks them with an uploader component, a `uri` format,
 * or (in older schemas) only by name (`image`, `images`, `video`, `audio`, `mask_image`, `*_url`).
 */
export function getMediaFieldShape(name: string, property: SchemaProperty): 'single' | 'array' | undefined {
	const marked =
		/upload/i.test(property['x-ui-component'] ?? '') ||
		property.format === 'uri' ||
		property.items?.format === 'uri' ||
		MEDIA_FIELD_NAME.test(name);
	if (!marked) return undefined;
	if (property.type === 'string') return 'single';
	if (property.type === 'array' && (property.items?.type ?? 'string') === 'string') return 'array';
	return undefined;
}

export interface InputProblem {
	field: string;
	message: string;
}

/**
 * Checks every input against the schema and returns them ready to send: numbers and booleans given as text (from an
 * expression or a form) become numbers and booleans, empty optional values are left out. Throws nothing: the caller
 * names the item and the parameter.
 */
export function checkInputs(
	schema: RequestSchema,
	inputs: Record<string, unknown>,
): { inputs: Record<string, unknown>; problems: InputProblem[] } {
	const problems: InputProblem[] = [];
	const checked: Record<string, unknown> = {};
	for (const [field, raw] of Object.entries(inputs)) {
		const property = schema.properties[field];
		if (!property) {
			problems.push({ field, message: `"${field}" is not an input of this model (WaveSpeed would silently drop it)` });
			continue;
		}
		if (raw === undefined || raw === null || raw === '') continue;
		const result = checkValue(property, raw, field);
		if (typeof result === 'string') problems.push({ field, message: result });
		else checked[field] = result.value;
	}
	for (const field of schema.required) {
		if (checked[field] === undefined && !problems.some((problem) => problem.field === field)) {
			problems.push({ field, message: `"${field}" is required` });
		}
	}
	return { inputs: checked, problems };
}

function describe(value: unknown): string {
	const text = JSON.stringify(value) ?? String(value);
	return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

function checkValue(property: SchemaProperty, raw: unknown, label: string): { value: unknown } | string {
	const value = coerce(property.type, raw);
	const type = property.type;
	if (type === 'integer' && !(typeof value === 'number' && Number.isInteger(value))) return `"${label}" must be a whole number, got ${describe(raw)}`;
	if (type === 'number' && !(typeof value === 'number' && Number.isFinite(value))) return `"${label}" must be a number, got ${describe(raw)}`;
	if (type === 'string' && typeof value !== 'string') return `"${label}" must be text, got ${describe(raw)}`;
	if (type === 'boolean' && typeof value !== 'boolean') return `"${label}" must be true or false, got ${describe(raw)}`;
	if (type === 'object' && !isRecord(value)) return `"${label}" must be an object, got ${describe(raw)}`;
	if (type === 'array') {
		if (!Array.isArray(value)) return `"${label}" must be a list, got ${describe(raw)}`;
		if (property.minItems !== undefined && value.length < property.minItems) return `"${label}" needs at least ${property.minItems} entries, got ${value.length}`;
		if (property.maxItems !== undefined && value.length > property.maxItems) return `"${label}" takes at most ${property.maxItems} entries, got ${value.length}`;
		const entries: unknown[] = [];
		for (const [index, entry] of value.entries()) {
			const result = property.items ? checkValue(property.items, entry, `${label}[${index}]`) : { value: entry };
			if (typeof result === 'string') return result;
			entries.push(result.value);
		}
		return { value: entries };
	}
	if (property.enum && !property.enum.some((allowed) => allowed === value)) {
		return `"${label}" must be one of ${property.enum.map((allowed) => describe(allowed)).join(', ')}, got ${describe(raw)}`;
	}
	if (typeof value === 'number') {
		if (property.minimum !== undefined && value < property.minimum) return `"${label}" must be at least ${property.minimum}, got ${value}`;
		if (property.maximum !== undefined && value > property.maximum) return `"${label}" must be at most ${property.maximum}, got ${value}`;
	}
	return { value };
}

/** Text that is plainly a number or a boolean becomes one, as n8n's own resource mapper converts it. */
function coerce(type: string | undefined, value: unknown): unknown {
	if (typeof value !== 'string') return value;
	const text = value.trim();
	if ((type === 'integer' || type === 'number') && text !== '' && Number.isFinite(Number(text))) return Number(text);
	if (type === 'boolean' && (text === 'true' || text === 'false')) return text === 'true';
	if ((type === 'array' || type === 'object') && /^[[{]/.test(text)) {
		try {
			return JSON.parse(text) as unknown;
		} catch {
			return value;
		}
	}
	return value;
}
