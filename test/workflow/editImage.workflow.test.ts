/**
 * Whole workflows through n8n's real executor (test/support/workflowHarness.ts) against the local fake WaveSpeed,
 * in both binary-data modes: memory ('default', base64 in items) and 'filesystem' (items carry ids).
 */
import type { INode, INodeExecutionData } from 'n8n-workflow';

import { startFakeWaveSpeed } from '../support/fakeWaveSpeed';
import type { FakeWaveSpeed } from '../support/fakeWaveSpeed';
import { makePlaceholderPng, readPngSize } from '../support/placeholderPng';
import type { BinaryMode, WorkflowHarness } from '../support/workflowHarness';
import { WAVESPEED_TYPE, chain, createWorkflowHarness, node } from '../support/workflowHarness';

const FAST = { pollInterval: 0.5 };
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const start = (items: object[] = [{}]) => node('Start', 'test.start', { items: JSON.stringify(items) });
const makeBinary = (parameters: INode['parameters'] = {}) => node('Make Binary', 'test.makeBinary', parameters);
const editImage = (parameters: INode['parameters'] = {}, extra: Partial<INode> = {}) =>
	node('Edit Image', WAVESPEED_TYPE, { operation: 'editImage', prompt: 'Put it on a marble table', options: FAST, ...parameters }, extra);

describe.each<BinaryMode>(['default', 'filesystem'])('Edit Image workflows, binary mode "%s"', (binaryMode) => {
	let fake: FakeWaveSpeed;
	let harness: WorkflowHarness;
	beforeAll(async () => {
		fake = await startFakeWaveSpeed();
		harness = createWorkflowHarness(binaryMode, { apiKey: fake.options.apiKey, baseUrl: fake.url });
	});
	afterEach(() => fake.reset());
	afterAll(async () => await fake.close());

	const requestOf = (taskId: unknown) => fake.tasks.get(String(taskId))?.request as { prompt: string; images: string[]; aspect_ratio?: string };

	/** The binary is stored the way the mode says, and its bytes, read back through n8n, are the PNG WaveSpeed made. */
	async function expectStoredPng(item: INodeExecutionData): Promise<Buffer> {
		const binary = item.binary?.data;
		expect(binary).toMatchObject({ mimeType: 'image/png', fileName: `${String(item.json.id)}.png`, fileExtension: 'png' });
		if (binaryMode === 'filesystem') {
			expect(binary?.id).toMatch(/^filesystem-v2:/);
			expect(binary?.data).toBe('filesystem-v2');
		} else {
			expect(binary?.id).toBeUndefined();
		}
		const bytes = await harness.readBinary(binary!);
		expect(bytes.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
		expect(readPngSize(bytes)).toEqual({ width: 64, height: 64 });
		return bytes;
	}

	it('edits binary input: trigger → make binary → Edit Image → binary PNG and the task JSON', async () => {
		const result = await harness.run(
			chain(start(), makeBinary({ seed: 'photo' }), editImage(), node('Read Binary', 'test.readBinary')),
		);

		expect(result.run.status).toBe('success');
		const input = result.output('Make Binary')[0].binary!.data;
		expect(input.id !== undefined).toBe(binaryMode === 'filesystem');

		const [item] = result.output('Edit Image');
		const taskId = String(item.json.id);
		expect(item.json).toMatchObject({ status: 'completed', outputs: [`${fake.url}/cdn/${taskId}/output-0.png`], error: '' });
		expect(item.pairedItem).toEqual({ item: 0 });
		const bytes = await expectStoredPng(item);

		// A downstream node reads the same bytes through n8n's getBinaryDataBuffer.
		const [read] = result.output('Read Binary');
		expect(Buffer.from(String(read.json.readBytesBase64), 'base64').equals(bytes)).toBe(true);

		// The input went up as the exact PNG bytes, read through n8n's helpers from memory or from disk.
		expect(fake.tasks.size).toBe(1);
		expect(fake.countRequests('ticket')).toBe(1);
		const [put] = fake.requests.filter((request) => request.route === 'put');
		expect(put.bodyBytes).toBe(makePlaceholderPng({ seed: 'photo' }).length);
		expect(requestOf(taskId).images[0]).toMatch(new RegExp(`^${fake.url}/media/`));

		// n8n applied the credential's generic Bearer header to API calls only; storage and CDN never see the key.
		for (const request of fake.requests) {
			const isApi = request.path.startsWith('/api/v3/');
			expect(request.headers.authorization).toBe(isApi ? `Bearer ${fake.options.apiKey}` : undefined);
		}
	});

	it('edits URL input without uploading anything', async () => {
		const result = await harness.run(
			chain(start(), editImage({ imageSource: 'url', imageUrls: 'https://example.com/a.png, https://example.com/b.jpg' })),
		);

		const [item] = result.output('Edit Image');
		expect(item.json.status).toBe('completed');
		expect(requestOf(item.json.id).images).toEqual(['https://example.com/a.png', 'https://example.com/b.jpg']);
		await expectStoredPng(item);
		expect(fake.countRequests('ticket') + fake.countRequests('legacyUpload') + fake.countRequests('put')).toBe(0);
	});

	it('resolves expressions per item: prompt, an array of URLs and the aspect ratio', async () => {
		const items = [
			{ prompt: 'Make it blue', urls: ['https://example.com/1.png', 'https://example.com/2.png'], ratio: '16:9' },
			{ prompt: 'Make it red', urls: ['https://example.com/3.webp'], ratio: 'auto' },
		];
		const edit = editImage({
			prompt: '={{ $json.prompt }}',
			imageSource: 'url',
			imageUrls: '={{ $json.urls }}',
			aspectRatio: '={{ $json.ratio }}',
		});
		const output = (await harness.run(chain(start(items), edit))).output('Edit Image');

		expect(output.map((item) => requestOf(item.json.id))).toEqual([
			expect.objectContaining({ prompt: 'Make it blue', images: items[0].urls, aspect_ratio: '16:9' }),
			expect.objectContaining({ prompt: 'Make it red', images: items[1].urls }),
		]);
		expect(requestOf(output[1].json.id).aspect_ratio).toBeUndefined();
	});

	it('keeps item order and pairedItem for 3 items, even when the first finishes last', async () => {
		const items = [{ n: 0 }, { n: 1 }, { n: 2 }];
		const result = await harness.run(
			chain(
				start(items),
				makeBinary({ seed: '={{ "photo-" + $json.n }}' }),
				editImage({ prompt: '={{ "edit " + $json.n + ($json.n === 0 ? " [inference:700]" : "") }}' }),
				// n8n follows pairedItem back through Edit Image and Make Binary to the Start item.
				node('Lineage', 'test.setField', { field: 'startN', value: "={{ $('Start').item.json.n }}" }),
			),
		);

		const output = result.output('Edit Image');
		expect(output).toHaveLength(3);
		expect(output.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(output.map((item) => requestOf(item.json.id).prompt.replace(/ \[.*\]$/, ''))).toEqual(['edit 0', 'edit 1', 'edit 2']);
		for (const item of output) await expectStoredPng(item);
		expect(result.output('Lineage').map((item) => item.json.startN)).toEqual([0, 1, 2]);

		expect(fake.tasks.size).toBe(3);
		expect(fake.countRequests('submit')).toBe(3);
		expect(fake.countRequests('ticket')).toBe(3);
		// The slow task finished after the others were already done.
		const finishedAt = output.map((item) => fake.tasks.get(String(item.json.id))!.firstSeenDoneAtMs!);
		expect(finishedAt[0]).toBeGreaterThan(Math.max(finishedAt[1], finishedAt[2]));
	});

	it('collects a no-wait Edit Image with a chained Get Result ({{ $json.id }})', async () => {
		const result = await harness.run(
			chain(
				start(),
				makeBinary(),
				editImage({ waitForCompletion: false }),
				node('Get Result', WAVESPEED_TYPE, { operation: 'getResult', taskId: '={{ $json.id }}', options: FAST }),
			),
		);

		const [submitted] = result.output('Edit Image');
		expect(['created', 'processing']).toContain(submitted.json.status);
		expect(submitted.binary).toBeUndefined();

		const [collected] = result.output('Get Result');
		expect(collected.json).toMatchObject({ id: submitted.json.id, status: 'completed' });
		await expectStoredPng(collected);
		expect(fake.tasks.size).toBe(1);
		expect(fake.countRequests('submit')).toBe(1);
		expect(fake.countRequests('result')).toBeGreaterThanOrEqual(1);
	});

	it('with Continue (regular output), a bad item becomes {error} and the others still run', async () => {
		const items = [
			{ prompt: 'first', kind: 'png' },
			{ prompt: '  ', kind: 'png' },
			{ prompt: 'third', kind: 'text' },
			{ prompt: 'fourth', kind: 'png' },
		];
		const result = await harness.run(
			chain(
				start(items),
				makeBinary({ kind: '={{ $json.kind }}', seed: '={{ $json.prompt.trim() || "blank" }}' }),
				editImage({ prompt: '={{ $json.prompt }}' }, { onError: 'continueRegularOutput' }),
			),
		);

		expect(result.run.status).toBe('success');
		const output = result.output('Edit Image');
		expect(output.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }, { item: 3 }]);
		expect(output[1].json).toEqual({ error: 'The prompt is empty [item 1, parameter "Prompt"]' });
		expect(output[2].json.error).toContain('Binary field "data" is not a PNG, JPEG or WEBP image (it looks like text/plain)');
		expect(output[2].json.error).toContain('[item 2, parameter "Input Binary Fields"]');
		for (const index of [0, 3]) {
			expect(output[index].json.status).toBe('completed');
			await expectStoredPng(output[index]);
		}
		// Bad input costs nothing: no upload and no task for items 1 and 2.
		expect(fake.tasks.size).toBe(2);
		expect(fake.countRequests('submit')).toBe(2);
		expect(fake.countRequests('ticket')).toBe(2);
	});

	it('without Continue On Fail, a bad item fails the execution with its message', async () => {
		const result = await harness.run(
			chain(start([{ prompt: '' }]), makeBinary(), editImage({ prompt: '={{ $json.prompt }}' })),
		);

		expect(result.run.status).toBe('error');
		expect(result.run.data.resultData.lastNodeExecuted).toBe('Edit Image');
		expect(result.run.data.resultData.error?.message).toBe('The prompt is empty [item 0, parameter "Prompt"]');
		expect(fake.requests).toHaveLength(0);
	});

	// Regression: n8n replaces a request's abort signal with the execution's, so a failing item used to wait for
	// another item's slow API reply before the node failed. The reply here comes after the test's own time limit, so
	// waiting for it fails the test (no timed assertion).
	it('without Continue On Fail, fails fast even while another item waits on a slow API reply', async () => {
		fake.faults.push({ route: 'ticket', kind: 'delay', delayMs: 60_000, times: 1 });
		const result = await harness.run(
			chain(
				start([{ source: 'binary' }, { source: 'url' }]),
				makeBinary(),
				editImage({ imageSource: '={{ $json.source }}', imageUrls: 'https://unreachable.invalid/a.png', options: { ...FAST, maxConcurrency: 2 } }),
			),
		);
		expect(result.run.status).toBe('error');
		expect(result.run.data.resultData.error?.message).toBe('WaveSpeed answered 400: failed to download image: https://unreachable.invalid/a.png');
		expect(fake.tasks.size).toBe(0);
		expect(fake.countRequests('put')).toBe(0);
	});
});
