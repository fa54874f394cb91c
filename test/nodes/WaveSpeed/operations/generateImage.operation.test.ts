import { useFakeWaveSpeed } from '../../../support/useFakeWaveSpeed';
import type { FakeWaveSpeed } from '../../../support/fakeWaveSpeed';
import { createExecuteContext, runNode } from '../../../support/executeContext';
import { FAST_OPTIONS, contextFor } from '../../../support/builders';
import { readPngSize } from '../../../support/placeholderPng';

describe('Generate Image, Get Balance and cost', () => {
	let fake: FakeWaveSpeed;
	useFakeWaveSpeed((started) => (fake = started));

	const generateParams = (overrides: Record<string, unknown> = {}) => ({
		operation: 'generateImage',
		prompt: 'A bottle of olive oil on a rustic table',
		aspectRatio: '1:1',
		resolution: '1k',
		quality: 'medium',
		waitForCompletion: true,
		options: FAST_OPTIONS,
		...overrides,
	});
	const failure = async (promise: Promise<unknown>) =>
		(await promise.then(
			() => undefined,
			(error: Error) => error,
		))!;

	it('generates an image from text: no images field, the ratio always sent, binary and JSON out', async () => {
		const [item] = await runNode(createExecuteContext(contextFor(fake, generateParams({ aspectRatio: '16:9', quality: 'high', resolution: '2k' }))));
		const [task] = fake.tasks.values();
		expect(task.request).toEqual({ prompt: 'A bottle of olive oil on a rustic table', aspect_ratio: '16:9', resolution: '2k', quality: 'high' });
		expect(fake.countRequests('generate')).toBe(1);
		expect(fake.countRequests('submit')).toBe(0);
		expect(item.json).toMatchObject({ id: task.id, status: 'completed', model: 'openai/gpt-image-2/text-to-image', estimatedCostUsd: 0.44 });
		expect(item.binary?.data.mimeType).toBe('image/png');
	});

	it('Callback URL (Wait for Completion off): the submit names it, query kept, and WaveSpeed calls it signed when the task ends', async () => {
		const received: Array<{ url: string; signature: string }> = [];
		const { createServer } = await import('node:http');
		const receiver = createServer((req, res) => {
			received.push({ url: req.url ?? '', signature: String(req.headers['webhook-signature']) });
			res.end('ok');
		});
		await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
		const callbackUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/webhook/abc/wavespeed?sku=123`;
		try {
			const params = generateParams({ waitForCompletion: false, options: { callbackUrl } });
			const [item] = await runNode(createExecuteContext(contextFor(fake, params)));
			const [task] = fake.tasks.values();
			expect(task.webhookUrl).toBe(callbackUrl);
			expect(item.json).toMatchObject({ id: task.id });
			for (const endMs = Date.now() + 5000; received.length === 0 && Date.now() < endMs; ) await new Promise((resolve) => setTimeout(resolve, 50));
			expect(received.map((call) => [call.url, call.signature.startsWith('v3,')])).toEqual([['/webhook/abc/wavespeed?sku=123', true]]);
		} finally {
			await new Promise((resolve) => receiver.close(resolve));
		}
	});

	it('Callback URL: not a URL, or with Base64 Output (WaveSpeed refuses the pair), fails before anything is sent', async () => {
		const notUrl = await failure(runNode(createExecuteContext(contextFor(fake, generateParams({ waitForCompletion: false, options: { callbackUrl: 'n8n.example.com/hook' } })))));
		expect(notUrl.message).toBe('Expected an http(s) URL, got "n8n.example.com/hook" [item 0, parameter "Callback URL"]');
		const withBase64 = generateParams({ waitForCompletion: false, options: { callbackUrl: 'https://n8n.example.com/hook', base64Output: true } });
		const refused = await failure(runNode(createExecuteContext(contextFor(fake, withBase64))));
		expect(refused.message).toContain('WaveSpeed does not call back for Base64 Output tasks');
		expect(fake.requests).toHaveLength(0);
	});

	it('counts the learnt poll schedule from the submit reply: a submit slow to reach WaveSpeed costs no extra poll', async () => {
		// Item 0 teaches the execution that these tasks take 600 ms. Item 1's submit reaches WaveSpeed 400 ms late:
		// counted from the request, the first poll (600 + 50 ms) would come before the task ends, and the next 500 ms later.
		// A 2 s Poll Interval: item 0's first poll (at 1 s) comes after its end however late its own reply was read on a
		// busy machine, so what it teaches is the task's 600 ms, not an earlier poll's time.
		fake.faults.push({ route: 'generate', kind: 'delay', delayMs: 400, every: 2, times: 1 });
		const params = generateParams({ prompt: 'olive oil [inference:600]', options: { pollInterval: 2, timeout: 20, maxConcurrency: 1 } });
		const output = await runNode(createExecuteContext({ ...contextFor(fake, params), items: [{ json: {} }, { json: {} }] }));
		expect(output.map((item) => item.json.status)).toEqual(['completed', 'completed']);
		const [, second] = fake.tasks.values();
		const pollsOfSecond = fake.requests.filter((request) => request.route === 'result' && request.path.includes(second.id));
		expect(pollsOfSecond).toHaveLength(1);
	});

	it('learns when tasks end from when a poll was answered, not when it was sent: a poll slow to reach WaveSpeed costs later tasks no extra poll', async () => {
		// Item 0's first poll leaves at 500 ms, before its 600 ms task ends, but reaches WaveSpeed 300 ms late and finds it
		// done. Taking the send time as the end (500 ms) put item 1's first look before its end, and the next 500 ms later.
		fake.faults.push({ route: 'result', kind: 'delay', delayMs: 300, times: 1 });
		const params = generateParams({ prompt: 'olive oil [inference:600]', options: { pollInterval: 1, timeout: 20, maxConcurrency: 1 } });
		const output = await runNode(createExecuteContext({ ...contextFor(fake, params), items: [{ json: {} }, { json: {} }] }));
		expect(output.map((item) => item.json.status)).toEqual(['completed', 'completed']);
		const [first, second] = fake.tasks.values();
		const pollsOf = (task: { id: string }) => fake.requests.filter((request) => request.route === 'result' && request.path.includes(task.id));
		expect(pollsOf(first)).toHaveLength(1);
		expect(pollsOf(second)).toHaveLength(1);
	});

	it('refuses "auto" as an aspect ratio: there is no first image to take it from', async () => {
		const error = await failure(runNode(createExecuteContext(contextFor(fake, generateParams({ aspectRatio: 'auto' })))));
		expect(error.message).toBe('Unknown aspect ratio "auto" [item 0, parameter "Aspect Ratio"]');
		expect(fake.requests).toHaveLength(0);
	});

	it.each([
		['low', '1k', 0.03],
		['medium', '4k', 0.18],
		['high', '4k', 0.66],
	])('estimates the cost of a %s %s task at $%s, also when not waiting', async (quality, resolution, usd) => {
		const [item] = await runNode(createExecuteContext(contextFor(fake, generateParams({ quality, resolution, waitForCompletion: false }))));
		expect(item.json.estimatedCostUsd).toBe(usd);
	});

	it("reports WaveSpeed's quote where it answers, and the table (costSource \"table\") where it does not", async () => {
		fake.catalogue.gptImage2Quote = 0.055;
		const [quoted] = await runNode(createExecuteContext(contextFor(fake, generateParams({ quality: 'high', resolution: '4k' }))));
		expect(quoted.json).toMatchObject({ status: 'completed', estimatedCostUsd: 0.055, costSource: 'quote' });
		fake.catalogue.gptImage2Quote = 'none';
		const [listed] = await runNode(createExecuteContext(contextFor(fake, generateParams({ quality: 'low', resolution: '2k' }))));
		expect(listed.json).toMatchObject({ status: 'completed', estimatedCostUsd: 0.06, costSource: 'table' });
	});

	it('with Base64 Output, still returns n8n binary data and keeps base64 out of the JSON', async () => {
		const [item] = await runNode(createExecuteContext(contextFor(fake, generateParams({ options: { ...FAST_OPTIONS, base64Output: true } }))));
		const [task] = fake.tasks.values();
		expect(task.request.enable_base64_output).toBe(true);
		expect(fake.countRequests('download')).toBe(0);
		expect(item.json.outputs).toEqual([]);
		expect(JSON.stringify(item.json).length).toBeLessThan(1000);
		expect(item.json.images).toEqual([
			{ binaryProperty: 'data', mimeType: 'image/png', fileName: `${task.id}.png`, width: 64, height: 64, fileSizeBytes: expect.any(Number) },
		]);
		expect(readPngSize(Buffer.from(item.binary!.data.data, 'base64'))).toEqual({ width: 64, height: 64 });
	});

	it('describes each downloaded output: URL, binary field, type, width and height', async () => {
		fake.options.outputWidth = 120;
		fake.options.outputHeight = 80;
		const [item] = await runNode(createExecuteContext(contextFor(fake, generateParams({ prompt: 'two [outputs:2]' }))));
		expect(item.json.images).toEqual([
			expect.objectContaining({ url: (item.json.outputs as string[])[0], binaryProperty: 'data', mimeType: 'image/png', width: 120, height: 80 }),
			expect.objectContaining({ url: (item.json.outputs as string[])[1], binaryProperty: 'data_1', mimeType: 'image/png', width: 120, height: 80 }),
		]);
	});

	it('gets the account balance in USD', async () => {
		const output = await runNode(createExecuteContext(contextFor(fake, { operation: 'getBalance' }, { items: [{ json: {} }, { json: {} }] })));
		expect(output.map((item) => item.json)).toEqual([
			{ balance: 42.5, currency: 'USD' },
			{ balance: 42.5, currency: 'USD' },
		]);
		expect(output.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
	});
});
