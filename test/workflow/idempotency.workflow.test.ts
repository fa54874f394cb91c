/**
 * Idempotency Key across executions, through n8n-core's real executor and its DataDeduplicationService (the store
 * behind Remove Duplicates; in memory here, as n8n's database-backed one behaves: test/support/processedDataStore.ts).
 * Counts come from the local server's task list and request log.
 */
import type { INode } from 'n8n-workflow';

import { startFakeWaveSpeed } from '../support/fakeWaveSpeed';
import type { FakeWaveSpeed } from '../support/fakeWaveSpeed';
import { installProcessedDataStore } from '../support/processedDataStore';
import { waitFor } from '../support/waitFor';
import type { InMemoryProcessedDataStore } from '../support/processedDataStore';
import type { WorkflowHarness } from '../support/workflowHarness';
import { WAVESPEED_TYPE, chain, createWorkflowHarness, node, withItems } from '../support/workflowHarness';

const HOUR_MS = 3_600_000;
const UPSCALER = 'wavespeed-ai/image-upscaler';
const start = (items: object[]) => node('Start', 'test.start', { items: JSON.stringify(items) });
const keyedEdit = (options: object = {}, settings: Partial<INode> = {}) =>
	node(
		'Edit Image',
		WAVESPEED_TYPE,
		{
			operation: 'editImage',
			imageSource: 'url',
			imageUrls: 'https://example.com/a.png',
			prompt: '={{ $json.p }}',
			options: { pollInterval: 0.5, idempotencyKey: '={{ $json.sku }}', ...options },
		},
		settings,
	);


/** Moves every task of the local server `ms` into the past, as if the run that made them happened that long ago. */
function ageTasks(fake: FakeWaveSpeed, ms: number): void {
	for (const task of fake.tasks.values()) {
		task.createdAtMs -= ms;
		task.completeAtMs -= ms;
	}
}

describe('Idempotency Key, in n8n-core\'s executor', () => {
	let fake: FakeWaveSpeed;
	let harness: WorkflowHarness;
	let store: InMemoryProcessedDataStore;
	beforeAll(async () => {
		fake = await startFakeWaveSpeed();
		store = await installProcessedDataStore();
		harness = createWorkflowHarness('default', { apiKey: fake.options.apiKey, baseUrl: fake.url });
	});
	afterEach(() => {
		fake.reset();
		store.reset();
	});
	afterAll(async () => await fake.close());

	it('the same key in two executions pays for one task; the second gets its result again, reused', async () => {
		const workflow = chain(start([{ sku: 'sku-1', p: 'a mug' }]), keyedEdit());
		const first = await harness.run(workflow);
		const second = await harness.run(workflow);

		expect(first.run.status).toBe('success');
		expect(second.run.status).toBe('success');
		// Before: 2 tasks, 2 submits.
		expect(fake.tasks.size).toBe(1);
		expect(fake.countRequests('submit')).toBe(1);
		const [firstItem] = first.output('Edit Image');
		const [secondItem] = second.output('Edit Image');
		expect(firstItem.json.reused).toBeUndefined();
		expect(secondItem.json).toMatchObject({ id: firstItem.json.id, status: 'completed', reused: true });
		// Downloaded again, not only named.
		expect(secondItem.binary?.data?.mimeType).toBe('image/png');
		expect(fake.countRequests('download')).toBe(2);
		// The store keeps two entries for the key (submitted; key → task), none of the candidates it was asked about.
		expect(store.entryCount).toBe(2);
	});

	it('different keys are different tasks; a repeated key among them is not paid again', async () => {
		const workflow = chain(start([{ sku: 'a', p: 'one' }, { sku: 'b', p: 'two' }]), keyedEdit());
		await harness.run(workflow);
		const second = await harness.run(withItems(workflow, [{ sku: 'a', p: 'one' }, { sku: 'c', p: 'three' }]));

		// Before: 4 tasks.
		expect(fake.tasks.size).toBe(3);
		const [a, c] = second.output('Edit Image');
		expect(a.json.reused).toBe(true);
		expect(c.json.reused).toBeUndefined();
		expect(new Set([...fake.tasks.values()].map((task) => task.request.prompt))).toEqual(new Set(['one', 'two', 'three']));
	});

	it('a key whose task failed is submitted again, and the new task is what the next run reuses', async () => {
		const workflow = chain(start([{ sku: 'k', p: 'refused [fail]' }]), keyedEdit({}, { onError: 'continueRegularOutput' }));
		const failed = await harness.run(workflow);
		expect(failed.output('Edit Image')[0].json.error).toEqual(expect.stringContaining('ended "failed"'));

		const retried = await harness.run(withItems(workflow, [{ sku: 'k', p: 'allowed' }]));
		const again = await harness.run(withItems(workflow, [{ sku: 'k', p: 'allowed' }]));

		expect(retried.output('Edit Image')[0].json).toMatchObject({ status: 'completed' });
		expect(retried.output('Edit Image')[0].json.reused).toBeUndefined();
		expect(again.output('Edit Image')[0].json).toMatchObject({ id: retried.output('Edit Image')[0].json.id, reused: true });
		// Before: 3 tasks (no key), or 1 if a failed task were reused.
		expect(fake.tasks.size).toBe(2);
	});

	it('reuses a task inside the Reuse Window and pays again once it is older (the server clock moved, no sleeping)', async () => {
		const workflow = chain(start([{ sku: 'w', p: 'poster' }]), keyedEdit({ reuseWindowHours: 24 }));
		await harness.run(workflow);
		ageTasks(fake, 23 * HOUR_MS);
		const inside = await harness.run(workflow);
		expect(inside.output('Edit Image')[0].json.reused).toBe(true);
		expect(fake.tasks.size).toBe(1);

		ageTasks(fake, 2 * HOUR_MS);
		const outside = await harness.run(workflow);
		expect(outside.output('Edit Image')[0].json.reused).toBeUndefined();
		// Before: 3 tasks; with no window: 1.
		expect(fake.tasks.size).toBe(2);
	});

	it('an execution that starts while an earlier one waits for the key\'s task picks that running task up', async () => {
		const workflow = chain(start([{ sku: 'slow', p: 'slow [inference:1500]' }]), keyedEdit());
		const first = await harness.start(workflow);
		// The first execution polls its task only after the key is recorded.
		await waitFor('the first poll of the first task', async () => (fake.countRequests('result') > 0 ? true : undefined), 10_000);
		const second = await harness.run(workflow);
		const firstOutput = (await first.done).output('Edit Image');

		// Before: 2 tasks.
		expect(fake.tasks.size).toBe(1);
		expect(second.output('Edit Image')[0].json).toMatchObject({ id: firstOutput[0].json.id, status: 'completed', reused: true });
	});

	it('items of one batch with the same key share one task', async () => {
		const workflow = chain(start([{ sku: 'dup', p: 'x' }, { sku: 'dup', p: 'x' }, { sku: 'dup', p: 'x' }]), keyedEdit());
		const result = await harness.run(workflow);

		const output = result.output('Edit Image');
		// Before: 3 tasks.
		expect(fake.tasks.size).toBe(1);
		expect(output.map((item) => item.json.id)).toEqual([output[0].json.id, output[0].json.id, output[0].json.id]);
		expect(output.map((item) => item.json.reused)).toEqual([undefined, true, true]);
		expect(output.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
	});

	it('a batch of different keys records every one of them (its items write to the store at the same time)', async () => {
		// n8n's store reads the node's row, awaits, then writes it whole: items writing at once used to fail on the row's
		// first insert (UNIQUE constraint) or overwrite each other's entries.
		const items = ['a', 'b', 'c', 'd', 'e', 'f'].map((sku) => ({ sku, p: `product ${sku}` }));
		const workflow = chain(start(items), keyedEdit({ maxConcurrency: 6 }));
		const first = await harness.run(workflow);
		const second = await harness.run(workflow);

		expect([first.run.status, second.run.status]).toEqual(['success', 'success']);
		expect(second.output('Edit Image').map((item) => item.json.reused)).toEqual(items.map(() => true));
		// Before: the first run failed on the store, and the second paid for the keys whose entries were lost.
		expect(fake.tasks.size).toBe(6);
		expect(store.entryCount).toBe(12);
	});

	it('finds the task through every page of WaveSpeed\'s history, whatever page size the server allows', async () => {
		fake.history.maxPageSize = 2;
		const workflow = chain(start([{ sku: 'old', p: 'first' }]), keyedEdit());
		await harness.run(workflow);
		// Newer tasks of the account push this node's task to a later page of the history.
		await harness.run(withItems(workflow, [1, 2, 3, 4, 5].map((n) => ({ sku: `other-${n}`, p: `other ${n}` }))));
		const again = await harness.run(workflow);

		expect(again.output('Edit Image')[0].json).toMatchObject({ reused: true, status: 'completed' });
		expect(fake.tasks.size).toBe(6);
		expect(fake.countRequests('history')).toBeGreaterThanOrEqual(3);
	});

	it('an item with an empty key is today\'s behaviour: it pays in every execution, beside a keyed item that does not', async () => {
		const workflow = chain(start([{ sku: 'keyed', p: 'with key' }, { sku: '', p: 'no key' }]), keyedEdit());
		await harness.run(workflow);
		const second = await harness.run(workflow);
		// Before: 4 tasks. Now the keyed item is paid once, the unkeyed one twice.
		expect(fake.tasks.size).toBe(3);
		expect(second.output('Edit Image').map((item) => item.json.reused)).toEqual([true, undefined]);
		expect([...fake.tasks.values()].filter((task) => task.request.prompt === 'no key')).toHaveLength(2);
	});

	it('Generate Image and Run Model honour the key too', async () => {
		const generate = chain(
			start([{ sku: 'g' }]),
			node('Generate', WAVESPEED_TYPE, { operation: 'generateImage', prompt: 'a lamp', options: { pollInterval: 0.5, idempotencyKey: '={{ $json.sku }}' } }),
		);
		await harness.run(generate);
		const again = await harness.run(generate);
		expect(again.output('Generate')[0].json.reused).toBe(true);
		expect(fake.tasks.size).toBe(1);

		const upscale = chain(
			start([{ sku: 'u' }]),
			node('Upscale', WAVESPEED_TYPE, {
				operation: 'runModel',
				model: { __rl: true, mode: 'id', value: UPSCALER },
				inputs: { mappingMode: 'defineBelow', value: { image: 'https://example.com/a.png', target_resolution: '2k' } },
				options: { pollInterval: 0.5, idempotencyKey: '={{ $json.sku }}' },
			}),
		);
		await harness.run(upscale);
		const upscaledAgain = await harness.run(upscale);
		expect(upscaledAgain.output('Upscale')[0].json).toMatchObject({ reused: true, status: 'completed' });
		// Before: 4 tasks.
		expect(fake.tasks.size).toBe(2);
	});
});
