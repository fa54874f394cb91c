import { checkInputs, getMediaFieldShape, parseRequestSchema } from '../../../../nodes/WaveSpeed/models/requestSchema';

const schema = parseRequestSchema({
	properties: {
		prompt: { type: 'string' },
		images: { type: 'array', items: { type: 'string' }, maxItems: 2 },
		seed: { type: 'integer', minimum: -1 },
		strength: { type: 'number', maximum: 1 },
		size: { type: 'string', enum: ['1024*1024', '2048*2048'] },
		loras: { type: 'array', items: { type: 'object' } },
		flag: { type: 'boolean' },
		broken: 'not a property',
	},
	required: ['prompt', 'missing_from_properties'],
	'x-order-properties': ['images', 'prompt', 'nope'],
})!;

describe('request schema', () => {
	it('reads order (x-order-properties first), required and properties defensively', () => {
		expect(schema.order).toEqual(['images', 'prompt', 'seed', 'strength', 'size', 'loras', 'flag']);
		expect(schema.required).toEqual(['prompt']);
		expect(parseRequestSchema(null)).toBeUndefined();
		expect(parseRequestSchema({ properties: [] })).toBeUndefined();
	});

	it('converts plain text numbers, booleans and JSON lists, and leaves out empty values', () => {
		const { inputs, problems } = checkInputs(schema, { prompt: 'x', seed: '7', strength: '0.5', flag: 'false', loras: '[{"path":"a"}]', size: '' });
		expect(problems).toEqual([]);
		expect(inputs).toEqual({ prompt: 'x', seed: 7, strength: 0.5, flag: false, loras: [{ path: 'a' }] });
	});

	it.each([
		[{ prompt: 'x', extra: 1 }, '"extra" is not an input of this model (WaveSpeed would silently drop it)'],
		[{}, '"prompt" is required'],
		[{ prompt: 'x', seed: 1.5 }, '"seed" must be a whole number, got 1.5'],
		[{ prompt: 'x', seed: -2 }, '"seed" must be at least -1, got -2'],
		[{ prompt: 'x', strength: 2 }, '"strength" must be at most 1, got 2'],
		[{ prompt: 'x', size: '512*512' }, '"size" must be one of "1024*1024", "2048*2048", got "512*512"'],
		[{ prompt: 'x', images: ['a', 'b', 'c'] }, '"images" takes at most 2 entries, got 3'],
		[{ prompt: 'x', images: ['a', 3] }, '"images[1]" must be text, got 3'],
		[{ prompt: 'x', flag: 'yes' }, '"flag" must be true or false, got "yes"'],
		[{ prompt: { text: 'x' } }, '"prompt" must be text, got {"text":"x"}'],
	])('refuses %j', (inputs, message) => {
		expect(checkInputs(schema, inputs).problems[0]?.message).toBe(message);
	});

	it('tells URL inputs by uploader marks, uri format or name', () => {
		expect(getMediaFieldShape('image', { type: 'string' })).toBe('single');
		expect(getMediaFieldShape('reference', { type: 'string', 'x-ui-component': 'uploader' })).toBe('single');
		expect(getMediaFieldShape('refs', { type: 'array', items: { type: 'string', format: 'uri' } })).toBe('array');
		expect(getMediaFieldShape('mask_image', { type: 'string' })).toBe('single');
		expect(getMediaFieldShape('images', { type: 'array', items: { type: 'string' } })).toBe('array');
		expect(getMediaFieldShape('prompt', { type: 'string' })).toBeUndefined();
		expect(getMediaFieldShape('image_count', { type: 'integer' })).toBeUndefined();
	});
});
