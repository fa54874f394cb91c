/**
 * The Idempotency Key's edges, with the small test context: no store, a failing store, a history too long to check,
 * a key that is not text. Whole executions one after another are in test/workflow/idempotency.workflow.test.ts.
 */
import { contextFor, editParams } from '../../../support/builders';
import { createExecuteContext, runNode } from '../../../support/executeContext';
import type { FakeTask, FakeWaveSpeed } from '../../../support/fakeWaveSpeed';
import { InMemoryProcessedDataStore } from '../../../support/processedDataStore';
import { attachStore, loseFirstProbeReply } from '../../../support/storeHooks';
import { useFakeWaveSpeed } from '../../../support/useFakeWaveSpeed';
import { FAST_OPTIONS } from '../../../support/builders';
import { HISTORY_PAGE_SIZE, MAX_HISTORY_PAGES } from '../../../../nodes/WaveSpeed/reuse/taskHistory';

const keyed = (key: unknown, options: object = {}) =>
	editParams({ imageSource: 'url', imageUrls: 'https://example.com/a.png', options: { pollInterval: 0.5, idempotencyKey: key, ...options } });

describe('Idempotency Key: when it cannot be honoured, nothing is paid blindly', () => {
	let fake: FakeWaveSpeed;
	useFakeWaveSpeed((started) => (fake = started));

	it('fails the item, with nothing sent, where n8n offers no deduplication store (an old n8n, some tool contexts)', async () => {
		const context = createExecuteContext(contextFor(fake, keyed('sku-1'), { continueOnFail: true }));
		const [item] = await runNode(context);
		expect(String(item.json.error)).toContain("Idempotency Key needs n8n's deduplication store");
		expect(fake.countRequests('submit')).toBe(0);
	});

	it('fails the item, with nothing sent, when the store fails before the submit (an unsaved workflow, a database error)', async () => {
		const context = createExecuteContext(contextFor(fake, keyed('sku-1'), { continueOnFail: true }));
		attachStore(context, new InMemoryProcessedDataStore(), { failAfter: 0 });
		const [item] = await runNode(context);
		expect(String(item.json.error)).toContain("n8n's deduplication store failed: database is locked");
		expect(fake.countRequests('submit')).toBe(0);
	});

	it('keeps the result of a paid task whose key could not be recorded, and says so in the log', async () => {
		const context = createExecuteContext(contextFor(fake, keyed('sku-1')));
		// The first call (is the key known?) works; recording the key → task link fails.
		attachStore(context, new InMemoryProcessedDataStore(), { failAfter: 1 });
		const [item] = await runNode(context);
		expect(item.json.status).toBe('completed');
		expect(fake.tasks.size).toBe(1);
		expect(context.logs.join('\n')).toContain(`WaveSpeed task ${String(item.json.id)} (item 0) was submitted, but its Idempotency Key "sku-1" could not be recorded`);
	});

	it('fails the item, with nothing sent, when the key was submitted before and the history is too long to check', async () => {
		const store = new InMemoryProcessedDataStore();
		const first = createExecuteContext(contextFor(fake, keyed('sku-1')));
		attachStore(first, store);
		await runNode(first);
		// Newer tasks of the account bury the key's task past what the node reads.
		for (let n = 0; n < MAX_HISTORY_PAGES * HISTORY_PAGE_SIZE; n++) {
			const createdAtMs = Date.now() + 1 + n;
			const task: FakeTask = { id: `other-${n}`, request: {}, createdAtMs, completeAtMs: createdAtMs, outcome: 'completed', outputCount: 1 };
			fake.tasks.set(task.id, task);
		}
		const second = createExecuteContext(contextFor(fake, keyed('sku-1'), { continueOnFail: true }));
		attachStore(second, store);
		const [item] = await runNode(second);
		expect(String(item.json.error)).toContain('Idempotency Key "sku-1" was submitted before, and its task could not be looked up');
		expect(fake.countRequests('submit')).toBe(1);
	});

	it('refuses a key that is not text before anything is sent', async () => {
		const context = createExecuteContext(contextFor(fake, keyed({ sku: 1 }), { continueOnFail: true }));
		attachStore(context, new InMemoryProcessedDataStore());
		const [item] = await runNode(context);
		expect(String(item.json.error)).toContain('Expected text or a number');
		expect(String(item.json.error)).toContain('parameter "Idempotency Key"');
		expect(fake.requests).toHaveLength(0);
	});

	it('a Reuse Window of 0 hours pays in every execution; the default window then reuses the newest task', async () => {
		const store = new InMemoryProcessedDataStore();
		const ids: unknown[] = [];
		for (const window of [0, 0, undefined]) {
			const context = createExecuteContext(contextFor(fake, keyed('sku-1', window === undefined ? {} : { reuseWindowHours: window })));
			attachStore(context, store);
			ids.push((await runNode(context))[0].json.id);
		}
		expect(fake.tasks.size).toBe(2);
		expect(ids[2]).toBe(ids[1]);
	});
});

/** A finished task of the same account that has nothing to do with the key: another SKU's edit, same model. */
function addStrangerEdit(fake: FakeWaveSpeed, id: string): void {
	const createdAtMs = Date.now() + 1;
	const request = { images: ['https://example.com/another-product.png'], prompt: 'Put the product on a marble table', resolution: '1k', quality: 'medium' };
	fake.tasks.set(id, { id, request, createdAtMs, completeAtMs: createdAtMs, outcome: 'completed', outputCount: 1 });
}

/** Runs the key once and returns the paid task's id. */
async function payOnce(fake: FakeWaveSpeed, store: InMemoryProcessedDataStore, params = keyed('sku-1')): Promise<string> {
	const first = createExecuteContext(contextFor(fake, params));
	attachStore(first, store);
	return String((await runNode(first))[0].json.id);
}

describe('Idempotency Key: a reused result is this key\'s, or it is not reused', () => {
	let fake: FakeWaveSpeed;
	useFakeWaveSpeed((started) => (fake = started));

	it('a probe left by a failed removal never answers the key with another task, even one of the same model and prompt', async () => {
		const store = new InMemoryProcessedDataStore();
		const paid = await payOnce(fake, store);
		addStrangerEdit(fake, 'stranger-task');
		const blip = createExecuteContext(contextFor(fake, keyed('sku-1'), { continueOnFail: true }));
		attachStore(blip, store, { removeProcessed: async () => await Promise.reject(new Error('database is locked')) });
		expect(String((await runNode(blip))[0].json.error)).toContain("deduplication store failed");

		const later = createExecuteContext(contextFor(fake, keyed('sku-1')));
		attachStore(later, store);
		const [item] = await runNode(later);
		expect(item.json).toMatchObject({ id: paid, reused: true });
		expect(fake.tasks.size).toBe(2);
	});

	it('a lost reply to the probe call still finds the key\'s own task, proven by its inputs', async () => {
		const store = new InMemoryProcessedDataStore();
		const paid = await payOnce(fake, store);
		addStrangerEdit(fake, 'stranger-task');
		const lossy = loseFirstProbeReply();
		const repeat = createExecuteContext(contextFor(fake, keyed('sku-1')));
		attachStore(repeat, store, { check: lossy.check });
		const [item] = await runNode(repeat);
		expect(lossy.dropped()).toBe(true);
		expect(item.json).toMatchObject({ id: paid, reused: true });
	});

	it('a link in doubt that WaveSpeed cannot prove (no inputs in its history) pays again, and says so', async () => {
		const store = new InMemoryProcessedDataStore();
		const paid = await payOnce(fake, store);
		const blip = createExecuteContext(contextFor(fake, keyed('sku-1'), { continueOnFail: true }));
		attachStore(blip, store, { removeProcessed: async () => await Promise.reject(new Error('database is locked')) });
		await runNode(blip);
		fake.history.withoutInputs = true;

		const later = createExecuteContext(contextFor(fake, keyed('sku-1')));
		attachStore(later, store);
		const [item] = await runNode(later);
		expect(item.json.id).not.toBe(paid);
		expect(item.json.reused).toBeUndefined();
		expect(String(item.json.reuseNote)).toContain(`did not return the inputs of task ${paid}`);
		expect(fake.tasks.size).toBe(2);
	});

	it('a clean link is reused on its model alone where WaveSpeed returns no inputs', async () => {
		const store = new InMemoryProcessedDataStore();
		const paid = await payOnce(fake, store);
		fake.history.withoutInputs = true;
		const later = createExecuteContext(contextFor(fake, keyed('sku-1')));
		attachStore(later, store);
		expect((await runNode(later))[0].json).toMatchObject({ id: paid, reused: true });
	});

	it('the same key with another prompt is a new task, with a note saying why the linked one was not reused', async () => {
		const store = new InMemoryProcessedDataStore();
		const paid = await payOnce(fake, store);
		const later = createExecuteContext(contextFor(fake, { ...keyed('sku-1'), prompt: 'Put the product on a beach' }));
		attachStore(later, store);
		const [item] = await runNode(later);
		expect(item.json.id).not.toBe(paid);
		expect(String(item.json.reuseNote)).toContain(`input "prompt" differs from task ${paid}'s`);
	});

	it('a history reply in a shape the node cannot read is "cannot check": nothing is paid a second time', async () => {
		const store = new InMemoryProcessedDataStore();
		const paid = await payOnce(fake, store);
		const body = JSON.stringify({ code: 200, message: 'success', data: { predictions: [{ id: paid, status: 'completed' }], page: 1, total: 1 } });
		fake.faults.push({ route: 'history', kind: 'reply', status: 200, contentType: 'application/json', body });
		const second = createExecuteContext(contextFor(fake, keyed('sku-1'), { continueOnFail: true }));
		attachStore(second, store);
		const [item] = await runNode(second);
		expect(String(item.json.error)).toContain("WaveSpeed's task history could not be read");
		expect(fake.tasks.size).toBe(1);
	});

	it('the key\'s lookup counts in the item\'s Timeout: a slow history leaves the item less time, not a fresh Timeout', async () => {
		const store = new InMemoryProcessedDataStore();
		// Execution 1 submits the key's task (8 s) without waiting for it.
		const generate = (waitForCompletion: boolean, timeout: number) => ({ operation: 'generateImage', prompt: 'a mug [inference:8000]', waitForCompletion, options: { pollInterval: 0.5, timeout, idempotencyKey: 'sku-1' } });
		await payOnce(fake, store, generate(false, 20));
		// Execution 2 (Timeout 6 s) gets the history after 4 s: 2 s are left, the task ends after 8 s. Were the Timeout
		// counted again after the lookup, the item would wait until 10 s and complete.
		fake.faults.push({ route: 'history', kind: 'delay', delayMs: 4_000 });
		const second = createExecuteContext(contextFor(fake, generate(true, 6), { continueOnFail: true }));
		attachStore(second, store);
		const [item] = await runNode(second);
		expect(item.json.status).toBeUndefined();
		expect(String(item.json.error)).toMatch(/Timeout|within/);
	}, 30_000);

	it('a history listing shared by a batch is never bound to the first item\'s shorter Timeout alone', async () => {
		const store = new InMemoryProcessedDataStore();
		const paid = [await payOnce(fake, store, keyed('sku-0')), await payOnce(fake, store, keyed('sku-1'))];
		// The first listing hangs far past item 0's 3 s Timeout; item 1 (20 s) asks again and gets its key's task.
		fake.faults.push({ route: 'history', kind: 'delay', delayMs: 120_000, times: 1 });
		const batch = createExecuteContext(
			contextFor(fake, { ...keyed('sku-0'), options: (i: number) => ({ pollInterval: 0.5, idempotencyKey: `sku-${i}`, timeout: i === 0 ? 3 : 20 }) }, { items: [{ json: {} }, { json: {} }], continueOnFail: true }),
		);
		attachStore(batch, store);
		const [first, second] = await runNode(batch);
		expect(String(first.json.error)).toMatch(/in time|Timeout/);
		expect(second.json).toMatchObject({ id: paid[1], reused: true });
		expect(fake.tasks.size).toBe(2);
	}, 60_000);

	it('a key whose task another execution waits for by webhook is polled here, with a note, not parked on a callback that goes there', async () => {
		const store = new InMemoryProcessedDataStore();
		const execution = (resumeUrl: string) =>
			createExecuteContext({
				params: { operation: 'generateImage', prompt: 'a mug [inference:1500]', waitForCompletion: true, options: { ...FAST_OPTIONS, waitMethod: 'webhook', idempotencyKey: 'sku-1' } },
				items: [{ json: {} }],
				credentials: { apiKey: fake.options.apiKey, baseUrl: fake.url },
				resumeUrl,
				continueOnFail: true,
				onError: 'continueRegularOutput',
				binaryMode: 'filesystem',
			});
		const first = execution('http://127.0.0.1:9/webhook-waiting/1?signature=one');
		attachStore(first, store);
		await runNode(first);
		expect(first.waits).toHaveLength(1);

		const second = execution('http://127.0.0.1:9/webhook-waiting/2?signature=two');
		attachStore(second, store);
		const [item] = await runNode(second);
		expect(second.waits).toHaveLength(0);
		expect(item.json).toMatchObject({ id: [...fake.tasks.keys()][0], status: 'completed', reused: true });
		expect(String(item.json.reuseNote)).toContain('Polled');
		expect(item.binary?.data).toBeDefined();
		expect(fake.tasks.size).toBe(1);
	});

	it('a reused task whose result files are gone is paid anew, with a note', async () => {
		const store = new InMemoryProcessedDataStore();
		const paid = await payOnce(fake, store);
		fake.faults.push({ route: 'download', kind: 'status', status: 404, times: 1 });
		const later = createExecuteContext(contextFor(fake, keyed('sku-1')));
		attachStore(later, store);
		const [item] = await runNode(later);
		expect(item.json).toMatchObject({ status: 'completed' });
		expect(item.json.id).not.toBe(paid);
		expect(String(item.json.reuseNote)).toContain(`the result of task ${paid} can no longer be downloaded`);
		expect(fake.tasks.size).toBe(2);
	});

	it('keys are compared in one Unicode form: "café" typed two ways is one key', async () => {
		const store = new InMemoryProcessedDataStore();
		const paid = await payOnce(fake, store, keyed('caf\u00e9'));
		const later = createExecuteContext(contextFor(fake, keyed('cafe\u0301')));
		attachStore(later, store);
		expect((await runNode(later))[0].json).toMatchObject({ id: paid, reused: true });
	});

	it('refuses a Reuse Window longer than the 7 days WaveSpeed keeps, before anything is sent', async () => {
		const context = createExecuteContext(contextFor(fake, keyed('sku-1', { reuseWindowHours: 169 }), { continueOnFail: true }));
		attachStore(context, new InMemoryProcessedDataStore());
		const [item] = await runNode(context);
		expect(String(item.json.error)).toContain('At most 168 hours');
		expect(fake.requests.filter((request) => request.route !== 'models')).toHaveLength(0);
	});

	it('a key whose first submit was refused is submitted by the next run, once', async () => {
		const store = new InMemoryProcessedDataStore();
		// WaveSpeed refuses the submit (it cannot download the image): no task, though the key was claimed before the submit.
		const refused = createExecuteContext(contextFor(fake, { ...keyed('sku-1'), imageUrls: 'https://example.invalid/a.png' }, { continueOnFail: true }));
		attachStore(refused, store);
		expect(String((await runNode(refused))[0].json.error)).toContain('400');
		expect(fake.tasks.size).toBe(0);
		const paid = await payOnce(fake, store);
		const again = createExecuteContext(contextFor(fake, keyed('sku-1')));
		attachStore(again, store);
		expect((await runNode(again))[0].json).toMatchObject({ id: paid, reused: true });
		expect(fake.tasks.size).toBe(1);
	});
});
