/** The editor's Run Model methods: the searchable model list, the inputs form from the schema, the URL inputs. */
import type { ILoadOptionsFunctions } from 'n8n-workflow';

import { getMediaFields, getModelInputs, searchModels } from '../../../../nodes/WaveSpeed/methods/modelCatalogue';
import { contextFor } from '../../../support/builders';
import { createExecuteContext } from '../../../support/executeContext';
import type { FakeWaveSpeed } from '../../../support/fakeWaveSpeed';
import { useFakeWaveSpeed } from '../../../support/useFakeWaveSpeed';

describe('Run Model in the editor', () => {
	let fake: FakeWaveSpeed;
	// The editor cache is per base URL and key: this suite's server is new, so the first test finds it empty.
	useFakeWaveSpeed((started) => (fake = started));

	const editor = (model = '') =>
		createExecuteContext(contextFor(fake, { model })).ctx as unknown as ILoadOptionsFunctions;

	it('lists the catalogue, searchable by id, name or type, and asks WaveSpeed once for many searches', async () => {
		const all = await searchModels.call(editor());
		expect(all.results.map((result) => result.value)).toEqual([
			'bytedance/seedream-v4/edit',
			'wavespeed-ai/image-upscaler',
			'wavespeed-ai/sound-effects',
			'wavespeed-ai/wan-2.2/i2v-480p',
		]);
		const video = await searchModels.call(editor(), 'image-to-VIDEO');
		expect(video.results).toEqual([expect.objectContaining({ value: 'wavespeed-ai/wan-2.2/i2v-480p', description: 'image-to-video · from $0.15' })]);
		await getModelInputs.call(editor('wavespeed-ai/image-upscaler'));
		expect(fake.countRequests('models')).toBe(1);
	});

	it('builds the inputs form from the schema: in order, typed, required marked, options for enums, no option fields', async () => {
		const { fields } = await getModelInputs.call(editor('bytedance/seedream-v4/edit'));
		expect(fields.map((field) => [field.id, field.type, field.required])).toEqual([
			['prompt', 'string', true],
			// Required, yet not marked: it may come from Binary Inputs (still checked before sending).
			['images', 'array', false],
			['size', 'string', false],
			['seed', 'number', false],
			['max_images', 'number', false],
		]);
		expect(fields[1].displayName).toBe('images (URLs)');
		const upscaler = await getModelInputs.call(editor('wavespeed-ai/image-upscaler'));
		const resolution = upscaler.fields.find((field) => field.id === 'target_resolution');
		expect(resolution).toMatchObject({ type: 'options', defaultValue: '4k', options: [{ name: '2k', value: '2k' }, { name: '4k', value: '4k' }, { name: '8k', value: '8k' }] });
	});

	it('offers the URL inputs for binary mapping, single or list', async () => {
		expect(await getMediaFields.call(editor('bytedance/seedream-v4/edit'))).toEqual([{ name: 'images', value: 'images', description: 'A list of files' }]);
		expect(await getMediaFields.call(editor('wavespeed-ai/wan-2.2/i2v-480p'))).toEqual([{ name: 'image', value: 'image', description: 'One file' }]);
		expect(await getMediaFields.call(editor('wavespeed-ai/sound-effects'))).toEqual([]);
	});

	it('says to choose a model while none is chosen', async () => {
		expect(await getModelInputs.call(editor())).toEqual({ fields: [], emptyFieldsNotice: 'Choose a model from the list to see its inputs' });
	});
});

describe('Run Model in the editor, when the catalogue fails', () => {
	let fake: FakeWaveSpeed;
	// Its own server, so its own account: the editor cache of the suite above does not answer for it.
	useFakeWaveSpeed((started) => (fake = started));

	const editor = (model = '') =>
		createExecuteContext(contextFor(fake, { model })).ctx as unknown as ILoadOptionsFunctions;

	it('says the error is the catalogue\'s, keeps no failure, and points to Additional Inputs for the model\'s inputs', async () => {
		fake.catalogue.down = { answer: 403 };
		await expect(searchModels.call(editor())).rejects.toThrow(/^WaveSpeed's model catalogue refused the request \(403\): Forbidden$/);
		expect(await getModelInputs.call(editor('acme/new-model'))).toEqual({
			fields: [],
			emptyFieldsNotice:
				"WaveSpeed's model catalogue refused the request (403): Forbidden. The model still runs: give its inputs under Additional Inputs (JSON): they are sent as given, unchecked",
		});
		expect(fake.countRequests('models')).toBe(2);

		fake.catalogue.down = undefined;
		expect(await getModelInputs.call(editor('acme/new-model'))).toEqual({
			fields: [],
			emptyFieldsNotice:
				'WaveSpeed\'s model catalogue does not list "acme/new-model". It still runs: give its inputs under Additional Inputs (JSON): they are sent as given, unchecked',
		});
		expect((await searchModels.call(editor())).results).toHaveLength(4);
		expect(fake.countRequests('models')).toBe(3);
	});
});
