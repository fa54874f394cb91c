/**
 * The Idempotency Key's edges, with the small test context: no store, a failing store, a history too long to check,
 * a key that is not text. Whole executions one after another are in test/workflow/idempotency.workflow.test.ts.
 */
import type { DeduplicationItemTypes, DeduplicationScope, ICheckProcessedOptions } from 'n8n-workflow';

import { contextFor, editParams } from '../../../support/builders';
import type { TestContext } from '../../../support/executeContext';
import { createExecuteContext, runNode } from '../../../support/executeContext';
import type { FakeTask, FakeWaveSpeed } from '../../../support/fakeWaveSpeed';
import { InMemoryProcessedDataStore } from '../../../support/processedDataStore';
import { useFakeWaveSpeed } from '../../../support/useFakeWaveSpeed';
import { HISTORY_PAGE_SIZE, MAX_HISTORY_PAGES } from '../../../../nodes/WaveSpeed/helpers/taskHistory';

const keyed = (key: unknown, options: object = {}) =>
	editParams({ imageSource: 'url', imageUrls: 'https://example.com/a.png', options: { pollInterval: 0.5, idempotencyKey: key, ...options } });

/** Gives the context n8n's store helpers, bound to its node and workflow as n8n-core binds them; `failAfter` calls, they throw. */
function attachStore(context: TestContext, store: InMemoryProcessedDataStore, failAfter = Number.POSITIVE_INFINITY): void {
	const contextData = { node: context.ctx.getNode(), workflow: { id: 'test-workflow', active: false } };
	let calls = 0;
	const guard = () => {
		if (++calls > failAfter) throw new Error('database is locked');
	};
	Object.assign(context.ctx.helpers, {
		checkProcessedAndRecord: async (items: DeduplicationItemTypes[], scope: DeduplicationScope, options: ICheckProcessedOptions) => {
			guard();
			return await store.checkProcessedAndRecord(items, scope, contextData, options);
		},
		removeProcessed: async (items: DeduplicationItemTypes[], scope: DeduplicationScope) => {
			guard();
			await store.removeProcessed(items, scope, contextData);
		},
	});
}

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
		attachStore(context, new InMemoryProcessedDataStore(), 0);
		const [item] = await runNode(context);
		expect(String(item.json.error)).toContain("n8n's deduplication store failed: database is locked");
		expect(fake.countRequests('submit')).toBe(0);
	});

	it('keeps the result of a paid task whose key could not be recorded, and says so in the log', async () => {
		const context = createExecuteContext(contextFor(fake, keyed('sku-1')));
		// The first call (is the key known?) works; recording the key → task link fails.
		attachStore(context, new InMemoryProcessedDataStore(), 1);
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
