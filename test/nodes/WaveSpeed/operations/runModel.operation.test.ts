/** Issue 16: Run Model against the local server's catalogue: inputs checked before sending, binaries, any media, cost. */
import type { FaultRule } from '../../../support/fakeWaveSpeed';
import { binaryItem, createExecuteContext, runNode } from '../../../support/executeContext';
import type { FakeWaveSpeed } from '../../../support/fakeWaveSpeed';
import { contextFor, getResultParams, pngItem, pngItems, runModelParams } from '../../../support/builders';
import { failureOf } from '../../../support/failureOf';
import { makePlaceholderPng } from '../../../support/placeholderPng';
import { useFakeWaveSpeed } from '../../../support/useFakeWaveSpeed';
import { DEFAULT_RETRY_POLICY } from '../../../../nodes/WaveSpeed/transport/retry';

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

	// Issue 19 defect 7: a phone's HEIC photo was uploaded declared as video/mp4 (any ISO-BMFF file was "video").
	it('declares a HEIC photo as image/heic to the upload, whatever its binary says', async () => {
		const heic = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypheic\0\0\0\0mif1heic', 'latin1'), Buffer.alloc(64)]);
		const items = [binaryItem({ data: { bytes: heic, mimeType: 'application/octet-stream', fileName: 'IMG_0001' } })];
		const params = runModelParams(UPSCALER, {}, { binaryInputs: { mapping: [{ field: 'image', binaryProperties: 'data' }] } });
		const context = createExecuteContext(contextFor(fake, params, { items, continueOnFail: true }));
		const [item] = await runNode(context);
		// WaveSpeed's uploads take PNG, JPEG, WEBP and GIF (the local server refuses the rest as it does): the photo is
		// refused by name, not uploaded as a video the model would misread.
		expect(item.json.error).toContain('image/heic');
		const tickets = context.httpCalls.filter((call) => String(call.options.url).endsWith('/api/v3/media/uploads'));
		expect(tickets.map((call) => (call.options.body as { content_type?: string }).content_type)).toEqual(['image/heic']);
	});

	it('stores an AVIF output as image/avif with an .avif name, not as an .mp4 video', async () => {
		const avif = Buffer.concat([Buffer.from([0, 0, 0, 0x1c]), Buffer.from('ftypavif\0\0\0\0avifmif1miaf', 'latin1'), Buffer.alloc(64)]);
		fake.faults.push({ route: 'download', kind: 'reply', contentType: 'application/octet-stream', body: avif });
		const [item] = await run(runModelParams(UPSCALER, { image: 'https://example.com/a.png' }));
		expect(item.binary?.data).toMatchObject({ mimeType: 'image/avif', fileName: `${String(item.json.id)}.avif` });
		expect(item.json.files).toEqual([expect.objectContaining({ mediaType: 'image', mimeType: 'image/avif' })]);
	});

	it('fails a video download that is an error page instead, naming the task', async () => {
		fake.faults.push({ route: 'download', kind: 'reply', contentType: 'video/mp4', body: '<html>Access denied</html>' });
		const params = runModelParams(VIDEO, { prompt: 'Pan', image: 'https://example.com/a.png' });
		const [item] = await run(params, [pngItem()], { continueOnFail: true });
		expect(item.json.error).toContain(`Output 1 of task ${onlyTask().id}: the download is not an image, video or audio file`);
	});

	it('estimates the cost from the price quote for these inputs (the documented route)', async () => {
		const [item] = await run(runModelParams(VIDEO, { prompt: 'Pan', image: 'https://example.com/a.png', duration: 8 }));
		expect(item.json).toMatchObject({ estimatedCostUsd: 0.24, costSource: 'quote', inputsChecked: true });
		expect(item.json.inputsNote).toBeUndefined();
		expect(fake.countRequests('pricing')).toBe(1);
	});

	it('reads the documented quote route (/model/pricing → unit_price) where /model/price is not there', async () => {
		fake.catalogue.missingQuoteRoutes = { price: 404 };
		const [item] = await run(runModelParams(VIDEO, { prompt: 'Pan', image: 'https://example.com/a.png', duration: 8 }));
		// Before: only /model/price was asked, and its 404 gave the catalogue's floor price (0.15, "catalogue").
		expect(item.json).toMatchObject({ estimatedCostUsd: 0.24, costSource: 'quote' });
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

	describe('runs a model the catalogue cannot check (issue 23)', () => {
		// The catalogue read waits at most the item's Timeout: 3 s keeps an outage's retries short here.
		const SHORT = { pollInterval: 0.5, timeout: 3 };
		const UNCHECKED = "Inputs sent as given, not checked against a schema: WaveSpeed's model catalogue";
		const submits = () => fake.requests.filter((request) => request.route === 'model');

		it('a listed model with the catalogue down (500) runs unchecked, binaries uploaded, cost from the quote, with the note', async () => {
			fake.catalogue.down = { answer: 500 };
			const params = runModelParams(UPSCALER, {}, {
				additionalInputs: '{"target_resolution": "8k"}',
				binaryInputs: { mapping: [{ field: 'image', binaryProperties: 'data' }] },
				options: SHORT,
			});
			const [item] = await run(params);
			expect(item.json).toMatchObject({ status: 'completed', inputsChecked: false, estimatedCostUsd: 0.02, costSource: 'quote' });
			expect(item.json.inputsNote).toMatch(new RegExp(`^${UNCHECKED} answered 500 after \\d attempts: Internal server error$`));
			expect(onlyTask().request).toEqual({ image: expect.stringMatching(new RegExp(`^${fake.url}/media/`)), target_resolution: '8k' });
			expect(submits().map((request) => request.path)).toEqual([`/api/v3/${UPSCALER}`]);
		});

		it('an id the catalogue does not list runs unchecked: form and JSON inputs as given, a binary list input uploaded', async () => {
			fake.catalogue.omit = [SEEDREAM];
			const params = runModelParams(SEEDREAM, { prompt: 'Brighter', size: '' }, {
				additionalInputs: '{"seed": 7}',
				binaryInputs: { mapping: [{ field: 'images', binaryProperties: 'data' }] },
			});
			const [item] = await run(params);
			expect(item.json).toMatchObject({
				status: 'completed',
				inputsChecked: false,
				inputsNote: `${UNCHECKED} does not list "${SEEDREAM}"`,
				estimatedCostUsd: 0.027,
				costSource: 'quote',
			});
			// A plural URL input takes a list, even of one file; the empty size is left out, the rest goes as given.
			expect(onlyTask().request).toEqual({ prompt: 'Brighter', seed: 7, images: [expect.stringMatching(/\/media\/[\w-]+\/input\.png$/)] });
			expect(fake.countRequests('models')).toBe(1);
		});

		// Issue 27: the quote with the uploaded URLs was awaited before the submit, up to the item's whole Timeout.
		it('a binary input with the price quote hanging: submitted at once, the catalogue price labelled so', async () => {
			fake.faults.push({ route: 'pricing', kind: 'delay', delayMs: 600_000 }, { route: 'price', kind: 'delay', delayMs: 600_000 });
			const params = runModelParams(UPSCALER, { target_resolution: '8k' }, {
				binaryInputs: { mapping: [{ field: 'image', binaryProperties: 'data' }] },
				options: { ...SHORT, checkBalance: false },
			});
			const [item] = await run(params);
			// Before: the quote took the whole Timeout (3 s), and the submit came after it: "No task was created".
			expect(item.json).toMatchObject({
				status: 'completed',
				estimatedCostUsd: 0.01,
				costSource: 'catalogue',
				costNote: "WaveSpeed's price quote did not answer within 3 s: the estimate is the catalogue's base price (the model's floor price)",
			});
			expect(submits()).toHaveLength(1);
			expect(fake.countRequests('pricing')).toBe(1);
		});

		it('a listed model without an input schema runs unchecked, priced from the catalogue where nothing quotes it', async () => {
			const listed = { model_id: AUDIO, name: 'Sound Effects', type: 'text-to-audio', base_price: 0.005, api_schema: { api_schemas: [{ type: 'model_run' }] } };
			fake.faults.push({ route: 'models', kind: 'reply', contentType: 'application/json', body: JSON.stringify({ code: 200, message: 'success', data: [listed] }) });
			const [item] = await run(runModelParams(AUDIO, {}, { additionalInputs: '{"prompt": "Rain", "duration_seconds": 3}' }));
			// Before: refused ("gives no input schema … so its inputs cannot be checked").
			expect(item.json).toMatchObject({ status: 'completed', inputsChecked: false, estimatedCostUsd: 0.005, costSource: 'catalogue' });
			expect(item.json.inputsNote).toBe(`${UNCHECKED} gives no input schema for "${AUDIO}"`);
			expect(onlyTask().request).toEqual({ prompt: 'Rain', duration_seconds: 3 });
		});

		it('with no quote and no catalogue price, the cost is absent with a note', async () => {
			fake.catalogue.omit = [AUDIO];
			const [item] = await run(runModelParams(AUDIO, {}, { additionalInputs: '{"prompt": "A door creaks"}' }));
			expect(item.json.estimatedCostUsd).toBeUndefined();
			expect(item.json.costSource).toBeUndefined();
			expect(item.json.costNote).toBe('No estimate: WaveSpeed gave no price quote for these inputs, and its catalogue no price for this model');
			expect(item.json.inputsChecked).toBe(false);
		});

		it('a catalogue that never answers is waited for no longer than the Timeout, then the model runs unchecked', async () => {
			fake.catalogue.down = { answer: 'hang' };
			const [item] = await run(runModelParams(UPSCALER, { image: 'https://example.com/a.png' }, { options: SHORT }));
			expect(item.json).toMatchObject({ status: 'completed', inputsChecked: false });
			expect(item.json.inputsNote).toMatch(new RegExp(`^${UNCHECKED} could not be reached.*: no reply in time$`));
		});

		it('a 10-item batch with the catalogue down: one catalogue read for the batch, 10 tasks, each item noted', async () => {
			fake.catalogue.down = { answer: 500 };
			const params = runModelParams(UPSCALER, { image: 'https://example.com/a.png' }, { options: { ...SHORT, maxConcurrency: 10 } });
			const output = await run(params, pngItems(10));
			expect(output.map((item) => [item.json.status, item.json.inputsChecked])).toEqual(Array(10).fill(['completed', false]));
			expect(new Set(output.map((item) => item.json.inputsNote)).size).toBe(1);
			expect(fake.tasks.size).toBe(10);
			// One read's attempts (its retries within the Timeout), all before the first submit: not one read per item.
			const routes = fake.requests.map((request) => request.route);
			expect(fake.countRequests('models')).toBeLessThanOrEqual(DEFAULT_RETRY_POLICY.maxAttempts);
			expect(routes.lastIndexOf('models')).toBeLessThan(routes.indexOf('model'));
		});

		it('submits to /api/v3/{model_id}, as every official client does, whatever api_path the catalogue gives', async () => {
			fake.catalogue.apiPathOf = (modelId) => `/api/v3/${modelId}/run`;
			const [item] = await run(runModelParams(UPSCALER, { image: 'https://example.com/a.png' }));
			expect(item.json).toMatchObject({ status: 'completed', inputsChecked: true });
			expect(submits().map((request) => request.path)).toEqual([`/api/v3/${UPSCALER}`]);
		});

		it('still refuses an invalid input before sending where the catalogue lists the model', async () => {
			const error = await failureOf(run(runModelParams(UPSCALER, { image: 'https://example.com/a.png' }, { additionalInputs: '{"scale": 4}' })));
			expect(error.message).toBe('Input "scale" is not an input of this model (WaveSpeed would silently drop it) [item 0, parameter "Additional Inputs (JSON)"]');
			expect(fake.requests.map((request) => request.route)).toEqual(['models']);
		});
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
