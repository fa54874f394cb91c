/** Issue 4: batches that never lose an item or pay twice, under each fault the API can throw at them. */
import type { FaultRule } from '../../support/fakeWaveSpeed';
import { useFakeWaveSpeed } from '../../support/useFakeWaveSpeed';
import type { FakeWaveSpeed } from '../../support/fakeWaveSpeed';
import { binaryItem, createExecuteContext, runNode } from '../../support/executeContext';
import { contextFor, editParams, pngItem, pngItems } from '../../support/builders';

const BATCH = 20;

describe('batches', () => {
	let fake: FakeWaveSpeed;
	useFakeWaveSpeed((started) => (fake = started), { inferenceMs: 200 });

	const batchParams = (options: Record<string, unknown> = {}) =>
		editParams({ options: { pollInterval: 0.5, maxConcurrency: 8, ...options } });

	const faults: Array<[string, FaultRule[]]> = [
		['429 every 3rd API request, with Retry-After', [{ route: 'api', kind: 'status', status: 429, every: 3, retryAfterSeconds: 0 }]],
		['429 without Retry-After (backoff)', [{ route: 'api', kind: 'status', status: 429, every: 4 }]],
		['500 on every 3rd poll, upload and download', [
			{ route: 'result', kind: 'status', status: 500, every: 3, retryAfterSeconds: 0 },
			{ route: 'ticket', kind: 'status', status: 503, every: 3, retryAfterSeconds: 0 },
			{ route: 'download', kind: 'status', status: 502, every: 3, retryAfterSeconds: 0 },
		]],
		['dropped connections on polls, PUTs and downloads', [
			{ route: 'result', kind: 'reset', every: 3 },
			{ route: 'put', kind: 'reset', every: 4 },
			{ route: 'download', kind: 'reset', every: 3 },
		]],
		['broken JSON on polls and tickets', [
			{ route: 'result', kind: 'brokenJson', every: 3 },
			{ route: 'ticket', kind: 'brokenJson', every: 4 },
		]],
		['slow replies', [{ route: 'any', kind: 'delay', delayMs: 300, every: 2 }]],
	];

	it.each(faults)('a 20-item batch under %s: 20 outputs, exactly 20 tasks', async (_, rules) => {
		fake.faults.push(...rules);
		const output = await runNode(createExecuteContext(contextFor(fake, batchParams(), { items: pngItems(BATCH) })));
		expect(output).toHaveLength(BATCH);
		expect(output.map((item) => item.json.status)).toEqual(Array(BATCH).fill('completed'));
		expect(output.every((item) => item.binary?.data?.mimeType === 'image/png')).toBe(true);
		expect(fake.tasks.size).toBe(BATCH);
		expect(rules.some((rule) => (rule.hits ?? 0) > 0)).toBe(true);
		// Not a performance bound: a request that lands on the fault five times running waits out a backoff of up to
		// 15 s, as it should (usually 3–5 s here; it failed CI at jest's default 30 s on a loaded machine).
	}, 120_000);

	it('a 20-item batch on an account capped at 2 concurrent tasks: waits out the 429s, 20 tasks', async () => {
		fake.options.maxConcurrentTasks = 2;
		const output = await runNode(createExecuteContext(contextFor(fake, batchParams(), { items: pngItems(BATCH) })));
		expect(output.map((item) => item.json.status)).toEqual(Array(BATCH).fill('completed'));
		expect(fake.tasks.size).toBe(BATCH);
		expect(fake.peakRunningTasks).toBeLessThanOrEqual(2);
	}, 60_000);

	it('runs items concurrently, bounded by Max Concurrency', async () => {
		const output = await runNode(createExecuteContext(contextFor(fake, batchParams({ maxConcurrency: 5 }), { items: pngItems(10) })));
		expect(output).toHaveLength(10);
		expect(fake.peakRunningTasks).toBe(5);
	});

	// Regression: one signal shared by all items collected a listener per sleep and request; past 10 Node prints
	// MaxListenersExceededWarning into n8n's log on every big batch.
	it('runs 16 items at once without piling listeners onto one abort signal', async () => {
		const { addEventListener, removeEventListener } = EventTarget.prototype;
		const counts = new Map<EventTarget, number>();
		let most = 0;
		const stop = new AbortController();
		const count = (target: EventTarget, type: string, delta: number) => {
			if (type !== 'abort' || target === stop.signal) return;
			counts.set(target, (counts.get(target) ?? 0) + delta);
			most = Math.max(most, counts.get(target)!);
		};
		jest.spyOn(EventTarget.prototype, 'addEventListener').mockImplementation(function (this: EventTarget, type, listener, options) {
			count(this, type, 1);
			addEventListener.call(this, type, listener, options);
		});
		jest.spyOn(EventTarget.prototype, 'removeEventListener').mockImplementation(function (this: EventTarget, type, listener, options) {
			count(this, type, -1);
			removeEventListener.call(this, type, listener, options);
		});
		try {
			const params = batchParams({ maxConcurrency: 16 });
			const output = await runNode(createExecuteContext(contextFor(fake, params, { items: pngItems(16), cancelSignal: stop.signal })));
			expect(output).toHaveLength(16);
		} finally {
			jest.restoreAllMocks();
		}
		// n8n itself hangs every API request on the execution's signal (stop.signal here): not ours to count.
		expect(most).toBeLessThanOrEqual(10);
	});

	it('uploads a binary used by several items once', async () => {
		const output = await runNode(createExecuteContext(contextFor(fake, batchParams(), { items: pngItems(6, false) })));
		expect(output).toHaveLength(6);
		expect(fake.countRequests('ticket')).toBe(1);
		expect(fake.countRequests('put')).toBe(1);
		const images = new Set([...fake.tasks.values()].map((task) => (task.request.images as string[])[0]));
		expect(images.size).toBe(1);
	});

	it('a batch with one bad item under Continue On Fail: every other item is output, no extra task', async () => {
		const items = pngItems(10);
		items[4] = binaryItem({ other: { bytes: Buffer.from('x') } });
		const output = await runNode(createExecuteContext(contextFor(fake, batchParams(), { items, continueOnFail: true })));
		expect(output).toHaveLength(10);
		expect(output[4].json.error).toBe('No binary field "data" on this item: the item has "other" [item 4, parameter "Input Binary Fields"]');
		expect(output.filter((item) => item.json.status === 'completed')).toHaveLength(9);
		expect(fake.tasks.size).toBe(9);
	});

	it('a Stop ends the waits at once: no poll and no submit after it', async () => {
		const stop = new AbortController();
		// First polls 60 s to 180 s after the submits (nothing learnt yet), beyond this test's 30 s limit: only a Stop
		// that ends the sleeping waits lets the node return in time.
		const params = editParams({ prompt: 'long [never]', options: { pollInterval: 120, maxConcurrency: 2 } });
		const run = runNode(createExecuteContext(contextFor(fake, params, { items: pngItems(6), continueOnFail: true, cancelSignal: stop.signal })));
		for (const endMs = Date.now() + 10_000; fake.tasks.size < 2 && Date.now() < endMs; ) await new Promise((resolve) => setTimeout(resolve, 10));
		const loggedBeforeStop = fake.requests.length;
		stop.abort();
		const output = await run;
		// In the local server's log: no poll was sent, and no submit either, after the Stop.
		expect(fake.requests.slice(loggedBeforeStop).filter((request) => ['result', 'submit'].includes(request.route))).toEqual([]);
		expect(fake.tasks.size).toBe(2);
		const [first] = output;
		expect(first.json.error).toContain('Stopped while waiting for WaveSpeed task');
		expect(first.json.id).toBe([...fake.tasks.keys()][0]);
	});

	describe('bad input fails before any request, naming the item and the parameter', () => {
		const cases: Array<[string, Record<string, unknown>, string]> = [
			['an empty prompt', { prompt: '  \n' }, 'The prompt is empty [item 0, parameter "Prompt"]'],
			['no images', { imageSource: 'url', imageUrls: ' ' }, 'No input image: give at least one binary field or URL [item 0, parameter "Image URLs"]'],
			['more than 16 images', { imageSource: 'url', imageUrls: Array.from({ length: 17 }, (_, i) => `https://example.com/${i}.png`) }, '17 input images: GPT Image 2 Edit takes at most 16 [item 0, parameter "Image URLs"]'],
			['a URL that is not http(s)', { imageSource: 'url', imageUrls: 'ftp://example.com/a.png' }, '"ftp://example.com/a.png" is not an http(s) URL [item 0, parameter "Image URLs"]'],
			['an unknown aspect ratio', { aspectRatio: '7:3' }, 'Unknown aspect ratio "7:3" [item 0, parameter "Aspect Ratio"]'],
			['an unknown resolution', { resolution: '8k' }, 'Unknown resolution "8k" [item 0, parameter "Resolution"]'],
			['an unknown quality', { quality: 'ultra' }, 'Unknown quality "ultra" [item 0, parameter "Quality"]'],
			['a missing binary field', { binaryProperties: 'photo' }, 'No binary field "photo" on this item: the item has "data" [item 0, parameter "Input Binary Fields"]'],
		];
		it.each(cases)('%s', async (_, overrides, message) => {
			const error = await runNode(createExecuteContext(contextFor(fake, editParams(overrides), { items: [pngItem()] }))).then(
				() => undefined,
				(e: Error) => e,
			);
			expect(error?.message).toBe(message);
			expect(fake.requests).toHaveLength(0);
		});
	});

	it('never puts the API key in outputs, errors or logs', async () => {
		fake.faults.push({ route: 'submit', kind: 'status', status: 500, every: 2 });
		const context = createExecuteContext(contextFor(fake, batchParams(), { items: pngItems(4), continueOnFail: true }));
		const output = await runNode(context);
		expect(output.some((item) => item.json.error)).toBe(true);
		const everything = JSON.stringify(output) + context.logs.join('\n');
		expect(everything).not.toContain(fake.options.apiKey);
	});
});
