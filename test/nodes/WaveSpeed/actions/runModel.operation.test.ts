/** Issue 16: Run Model against the local server's catalogue: inputs checked before sending, binaries, any media, cost. */
import type { FaultRule } from '../../../support/fakeWaveSpeed';
import { binaryItem, createExecuteContext, runNode } from '../../../support/executeContext';
import type { FakeWaveSpeed } from '../../../support/fakeWaveSpeed';
import { contextFor, getResultParams, pngItem, pngItems, runModelParams } from '../../../support/builders';
import { failureOf } from '../../../support/failureOf';
import { makePlaceholderPng } from '../../../support/placeholderPng';
import { useFakeWaveSpeed } from '../../../support/useFakeWaveSpeed';

const UPSCALER = 'wavespeed-ai/image-upscaler';
const SEEDREAM = 'bytedance/seedream-v4/edit';
const VIDEO = 'wavespeed-ai/wan-2.2/i2v-480p';
const AUDIO = 'wavespeed-ai/sound-effects';

describe('Run Model', () => {
	let fake: FakeWaveSpeed;
	useFakeWaveSpeed((started) => (fake = started), { inferenceMs: 100 });

	const run = async (params: Record<string, unknown>, items = [pngItem()], extra = {}) =>
		await runNode(createExecuteContext(contextFor(fake, params, { items, ...extra })));
	const onlyTask = () => [...fake.tasks.values()][0];

	describe('checks every input against the model schema before anything is sent', () => {
		const cases: Array<[string, Record<string, unknown>, Record<string, unknown>, string]> = [
			['an unknown field', { image: 'https://example.com/a.png', strength: 0.5 }, {}, 'Input "strength" is not an input of this model (WaveSpeed would silently drop it) [item 0, parameter "Model Inputs"]'],
			['a value outside the enum', { image: 'https://example.com/a.png', target_resolution: '16k' }, {}, 'Input "target_resolution" must be one of "2k", "4k", "8k", got "16k" [item 0, parameter "Model Inputs"]'],
			['a missing required field', { target_resolution: '2k' }, {}, 'Input "image" is required [item 0, parameter "Model Inputs"]'],
			['text where a URL goes', { image: 'photo.png' }, {}, 'Input "image": "photo.png" is not an http(s) URL WaveSpeed can download (map binary data under Binary Inputs instead) [item 0, parameter "Model Inputs"]'],
			['an unknown field in the JSON', { image: 'https://example.com/a.png' }, { additionalInputs: '{"face_enhance": true}' }, 'Input "face_enhance" is not an input of this model (WaveSpeed would silently drop it) [item 0, parameter "Additional Inputs (JSON)"]'],
			['a field the options own', { image: 'https://example.com/a.png', enable_sync_mode: true }, {}, 'Input "enable_sync_mode" is set with the node\'s options (Sync Mode, Base64 Output), not here [item 0, parameter "Model Inputs"]'],
			['a model the catalogue does not have', { image: 'https://example.com/a.png' }, { model: 'acme/no-such-model' }, 'WaveSpeed\'s model catalogue has no model "acme/no-such-model" [item 0, parameter "Model"]'],
		];
		it.each(cases)('%s', async (_, inputs, overrides, message) => {
			const error = await failureOf(run(runModelParams(UPSCALER, inputs, overrides)));
			expect(error.message).toBe(message);
			expect(fake.requests.map((request) => request.route)).toEqual(['models']);
		});

		it('names the item: item 2 of 3 has a non-integer seed, nothing is sent for any item', async () => {
			const params = runModelParams(SEEDREAM, {}, {
				inputs: (i: number) => ({ mappingMode: 'defineBelow', value: { prompt: 'Brighter', images: ['https://example.com/a.png'], seed: i === 2 ? 'forty-two' : 42 } }),
			});
			const error = await failureOf(run(params, pngItems(3)));
			expect(error.message).toBe('Input "seed" must be a whole number, got "forty-two" [item 2, parameter "Model Inputs"]');
			expect(fake.requests.map((request) => request.route)).toEqual(['models']);
		});

		it('sends numbers given as text as numbers, and leaves out empty optional fields', async () => {
			const inputs = { prompt: 'Brighter', images: ['https://example.com/a.png'], seed: '42', size: '' };
			await run(runModelParams(SEEDREAM, inputs));
			expect(onlyTask().request).toEqual({ prompt: 'Brighter', images: ['https://example.com/a.png'], seed: 42 });
			expect(onlyTask().droppedFields).toEqual([]);
		});
	});

	it('fetches the catalogue once for a batch, not once per item', async () => {
		const output = await run(runModelParams(UPSCALER, { image: 'https://example.com/a.png' }), pngItems(5));
		expect(output.map((item) => item.json.status)).toEqual(Array(5).fill('completed'));
		expect(fake.countRequests('models')).toBe(1);
	});

	it('uploads a binary for a single URL input', async () => {
		const params = runModelParams(UPSCALER, { target_resolution: '8k' }, { binaryInputs: { mapping: [{ field: 'image', binaryProperties: 'data' }] } });
		const [item] = await run(params);
		expect(item.json.status).toBe('completed');
		const { image } = onlyTask().request as { image: string };
		expect(image).toMatch(new RegExp(`^${fake.url}/media/[\\w-]+/input\\.png$`));
		expect(fake.countRequests('put')).toBe(1);
		expect(onlyTask().request.target_resolution).toBe('8k');
	});

	it('uploads binaries for a list input, before the URLs given in the form', async () => {
		const items = [binaryItem({ front: { bytes: makePlaceholderPng({ seed: 'front' }) }, back: { bytes: makePlaceholderPng({ seed: 'back' }) } })];
		const params = runModelParams(SEEDREAM, { prompt: 'Merge', images: ['https://example.com/logo.png'] }, {
			binaryInputs: { mapping: [{ field: 'images', binaryProperties: 'front, back' }] },
		});
		const [item] = await run(params, items);
		expect(item.json.status).toBe('completed');
		const images = onlyTask().request.images as string[];
		expect(images).toHaveLength(3);
		expect(images[0]).toMatch(/\/media\/[\w-]+\/front\.png$/);
		expect(images[1]).toMatch(/\/media\/[\w-]+\/back\.png$/);
		expect(images[2]).toBe('https://example.com/logo.png');
	});

	it('refuses two binaries for a single URL input, before sending', async () => {
		const items = [binaryItem({ a: { bytes: makePlaceholderPng({ seed: 'a' }) }, b: { bytes: makePlaceholderPng({ seed: 'b' }) } })];
		const params = runModelParams(UPSCALER, {}, { binaryInputs: { mapping: [{ field: 'image', binaryProperties: 'a,b' }] } });
		const error = await failureOf(run(params, items));
		expect(error.message).toBe('Input "image" takes one file, got 2 binary fields [item 0, parameter "Binary Inputs"]');
		expect(fake.requests.map((request) => request.route)).toEqual(['models']);
	});

	it('stores a video output as video/mp4 with an .mp4 name, checked by its bytes', async () => {
		const params = runModelParams(VIDEO, { prompt: 'The camera pans', duration: 8 }, { binaryInputs: { mapping: [{ field: 'image', binaryProperties: 'data' }] } });
		const [item] = await run(params);
		const taskId = String(item.json.id);
		expect(item.binary?.data).toMatchObject({ mimeType: 'video/mp4', fileName: `${taskId}.mp4` });
		expect(Buffer.from(item.binary!.data.data, 'base64').toString('latin1', 4, 8)).toBe('ftyp');
		expect(item.json.files).toEqual([expect.objectContaining({ mediaType: 'video', mimeType: 'video/mp4', binaryProperty: 'data', url: `${fake.url}/cdn/${taskId}/output-0.mp4` })]);
		expect(item.json.model).toBe(VIDEO);
	});

	it('fails a video download that is an error page instead, naming the task', async () => {
		fake.faults.push({ route: 'download', kind: 'reply', contentType: 'video/mp4', body: '<html>Access denied</html>' });
		const params = runModelParams(VIDEO, { prompt: 'Pan', image: 'https://example.com/a.png' });
		const [item] = await run(params, [pngItem()], { continueOnFail: true });
		expect(item.json.error).toContain(`Output 1 of task ${onlyTask().id}: the download is not an image, video or audio file`);
	});

	it('estimates the cost from the price quote for these inputs', async () => {
		const [item] = await run(runModelParams(VIDEO, { prompt: 'Pan', image: 'https://example.com/a.png', duration: 8 }));
		expect(item.json).toMatchObject({ estimatedCostUsd: 0.24, costSource: 'quote' });
		expect(fake.countRequests('price')).toBe(1);
	});

	it('falls back to the catalogue base price where there is no quote, and stores audio', async () => {
		const [item] = await run(runModelParams(AUDIO, { prompt: 'A door creaks', duration_seconds: '2.5' }));
		expect(item.json).toMatchObject({ estimatedCostUsd: 0.005, costSource: 'catalogue' });
		expect(item.binary?.data).toMatchObject({ mimeType: 'audio/mpeg', fileName: `${String(item.json.id)}.mp3` });
		expect(onlyTask().request).toEqual({ prompt: 'A door creaks', duration_seconds: 2.5 });
	});

	it('Get Result collects a Run Model video task as video', async () => {
		const [submitted] = await run(runModelParams(VIDEO, { prompt: 'Pan', image: 'https://example.com/a.png' }, { waitForCompletion: false }));
		expect(submitted.binary).toBeUndefined();
		const [item] = await run(getResultParams(String(submitted.json.id)));
		expect(item.binary?.data?.mimeType).toBe('video/mp4');
	});

	const storms: Array<[string, FaultRule[]]> = [
		['429 on every 3rd API request', [{ route: 'api', kind: 'status', status: 429, every: 3, retryAfterSeconds: 0 }]],
		['dropped connections on polls, PUTs and downloads', [
			{ route: 'result', kind: 'reset', every: 3 },
			{ route: 'put', kind: 'reset', every: 4 },
			{ route: 'download', kind: 'reset', every: 3 },
		]],
	];
	it.each(storms)('a 20-item batch under %s: 20 videos, exactly 20 tasks', async (_, rules) => {
		fake.faults.push(...rules);
		const params = runModelParams(VIDEO, { prompt: 'Pan' }, {
			binaryInputs: { mapping: [{ field: 'image', binaryProperties: 'data' }] },
			options: { pollInterval: 0.5, maxConcurrency: 8, timeout: 60 },
		});
		const output = await run(params, pngItems(20));
		expect(output.map((item) => item.json.status)).toEqual(Array(20).fill('completed'));
		expect(output.every((item) => item.binary?.data?.mimeType === 'video/mp4')).toBe(true);
		expect(fake.tasks.size).toBe(20);
		expect(fake.countRequests('models')).toBeLessThanOrEqual(3);
		expect(rules.some((rule) => (rule.hits ?? 0) > 0)).toBe(true);
	}, 60_000);
});
