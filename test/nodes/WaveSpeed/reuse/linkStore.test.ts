/**
 * The key → task links in n8n's deduplication store under the store's faults: a removal that throws, a write whose
 * reply is lost, another process's whole-row write. Whatever a lookup leaves behind reads as `tainted` (proof
 * needed), never as `linked`; a real link is never pushed out by a lookup's probes.
 */
import { editParams } from '../../../support/builders';
import type { TestContext } from '../../../support/executeContext';
import { createExecuteContext } from '../../../support/executeContext';
import { InMemoryProcessedDataStore } from '../../../support/processedDataStore';
import type { StoreHooks } from '../../../support/storeHooks';
import { attachStore, loseFirstProbeReply, nodeRowKey } from '../../../support/storeHooks';
import { confirmLinks, readLinks, recordLink } from '../../../../nodes/WaveSpeed/reuse/linkStore';

function storeContext(store: InMemoryProcessedDataStore, hooks: StoreHooks = {}): TestContext {
	// No request leaves these tests: the store is all they use.
	const context = createExecuteContext({ params: editParams(), credentials: { apiKey: 'test-key', baseUrl: 'http://127.0.0.1:9' } });
	attachStore(context, store, hooks);
	return context;
}

async function read(store: InMemoryProcessedDataStore, taskIds: string[]) {
	return Object.fromEntries(await readLinks(storeContext(store).ctx, 'sku-1', taskIds, 0));
}

describe('linkStore: links a lookup cannot create', () => {
	it('reads a recorded link as linked and any other task as none, and leaves the store as it found it', async () => {
		const store = new InMemoryProcessedDataStore();
		await recordLink(storeContext(store).ctx, 'sku-1', 'paid', 0);
		const before = store.entryCount;
		expect(await read(store, ['stranger', 'paid'])).toEqual({ stranger: 'none', paid: 'linked' });
		expect(store.entryCount).toBe(before);
		// Another key never sees this key's link.
		expect(Object.fromEntries(await readLinks(storeContext(store).ctx, 'sku-2', ['paid'], 0))).toEqual({ paid: 'none' });
	});

	it('a probe removal that fails (both tries) leaves traces that read as tainted, never as a link', async () => {
		const store = new InMemoryProcessedDataStore();
		await recordLink(storeContext(store).ctx, 'sku-1', 'paid', 0);
		const failing = storeContext(store, { removeProcessed: async () => await Promise.reject(new Error('database is locked')) });
		await expect(readLinks(failing.ctx, 'sku-1', ['stranger', 'paid'], 0)).rejects.toThrow("n8n's deduplication store failed");
		expect(await read(store, ['stranger', 'paid'])).toEqual({ stranger: 'tainted', paid: 'tainted' });
	});

	it('a probe whose write landed but whose reply was lost reads as tainted on the retry, never as a link', async () => {
		const store = new InMemoryProcessedDataStore();
		await recordLink(storeContext(store).ctx, 'sku-1', 'paid', 0);
		const lossy = loseFirstProbeReply();
		const context = storeContext(store, { check: lossy.check });
		expect(Object.fromEntries(await readLinks(context.ctx, 'sku-1', ['stranger', 'paid'], 0))).toEqual({ stranger: 'tainted', paid: 'tainted' });
		expect(lossy.dropped()).toBe(true);
	});

	it("another process's whole-row write that puts our probes back makes them tainted, never links", async () => {
		const store = new InMemoryProcessedDataStore();
		const context = storeContext(store);
		await recordLink(context.ctx, 'sku-1', 'paid', 0);
		const row = nodeRowKey(context);
		// The other process read the row after our probes were recorded and writes it back (plus its own entry) after our removal.
		const racing = storeContext(store, {
			removeProcessed: async (_items, remove) => {
				const otherRead = [...(store.rows.get(row) ?? [])];
				await remove();
				store.rows.set(row, [...otherRead, 'another-key-link']);
			},
		});
		expect(Object.fromEntries(await readLinks(racing.ctx, 'sku-1', ['stranger', 'paid'], 0))).toEqual({ stranger: 'none', paid: 'linked' });
		expect(await read(store, ['stranger', 'paid'])).toEqual({ stranger: 'tainted', paid: 'tainted' });
	});

	it('probes of a store at its entry cap never push out the oldest real link', async () => {
		const store = new InMemoryProcessedDataStore();
		const context = storeContext(store);
		await recordLink(context.ctx, 'sku-1', 'oldest', 0);
		const row = nodeRowKey(context);
		// Fill the row to n8n's cap of 100,000 entries behind the link (its two values stay the oldest).
		store.rows.set(row, [...(store.rows.get(row) ?? []), ...Array.from({ length: 100_000 - 2 }, (_, n) => `filler-${n}`)]);
		const strangers = Array.from({ length: 600 }, (_, n) => `stranger-${n}`);
		expect(Object.values(await read(store, strangers))).toEqual(strangers.map(() => 'none'));
		expect(await read(store, ['oldest'])).toEqual({ oldest: 'linked' });
	});

	it("confirms a run's links at its end: a link another worker's whole-row write dropped is written again until it stays", async () => {
		const store = new InMemoryProcessedDataStore();
		const context = storeContext(store);
		await recordLink(context.ctx, 'sku-1', 'paid', 0);
		const row = nodeRowKey(context);
		// Another worker read the row before our link and writes it back (with its own entry) after: our link is gone.
		store.rows.set(row, ['another-key-link']);
		expect(await read(store, ['paid'])).toEqual({ paid: 'none' });
		// And once more during the first confirmation: its write lands right after ours.
		let clobbered = false;
		const racing = storeContext(store, {
			check: async (_items, record) => {
				const answer = await record();
				if (!clobbered) {
					clobbered = true;
					store.rows.set(row, ['another-key-link']);
				}
				return answer;
			},
		});
		await confirmLinks(racing.ctx, [{ key: 'sku-1', taskId: 'paid', itemIndex: 0, delivered: false }]);
		expect(clobbered).toBe(true);
		expect(await read(store, ['paid'])).toEqual({ paid: 'linked' });
	});
});
