/**
 * Gives a small test context n8n's deduplication store helpers (`checkProcessedAndRecord`, `removeProcessed`), bound
 * to its node and workflow as n8n-core binds them, with fault hooks: a call that throws, a write whose reply is lost,
 * another process's whole-row write landing in between.
 */
import type { DeduplicationItemTypes, DeduplicationScope, ICheckProcessedOptions, IDeduplicationOutput } from 'n8n-workflow';

import type { TestContext } from './executeContext';
import type { InMemoryProcessedDataStore } from './processedDataStore';

export interface StoreHooks {
	/** After this many calls (of either kind), every call throws "database is locked". */
	failAfter?: number;
	/** Runs instead of the store's checkProcessedAndRecord; `record` is the store's own. */
	check?: (items: DeduplicationItemTypes[], record: () => Promise<IDeduplicationOutput>) => Promise<IDeduplicationOutput>;
	/** Runs instead of the store's removeProcessed; `remove` is the store's own. */
	removeProcessed?: (items: DeduplicationItemTypes[], remove: () => Promise<void>) => Promise<void>;
}

export const TEST_WORKFLOW_ID = 'test-workflow';

export function attachStore(context: TestContext, store: InMemoryProcessedDataStore, hooks: StoreHooks = {}): void {
	const contextData = { node: context.ctx.getNode(), workflow: { id: TEST_WORKFLOW_ID, active: false } };
	let calls = 0;
	const guard = () => {
		if (++calls > (hooks.failAfter ?? Number.POSITIVE_INFINITY)) throw new Error('database is locked');
	};
	Object.assign(context.ctx.helpers, {
		checkProcessedAndRecord: async (items: DeduplicationItemTypes[], scope: DeduplicationScope, options: ICheckProcessedOptions) => {
			guard();
			const record = async () => await store.checkProcessedAndRecord(items, scope, contextData, options);
			return hooks.check ? await hooks.check(items, record) : await record();
		},
		removeProcessed: async (items: DeduplicationItemTypes[], scope: DeduplicationScope) => {
			guard();
			const remove = async () => await store.removeProcessed(items, scope, contextData);
			await (hooks.removeProcessed ? hooks.removeProcessed(items, remove) : remove());
		},
	});
}

/** The row n8n keeps for the node scope of the test node, as InMemoryProcessedDataStore names it. */
export function nodeRowKey(context: TestContext): string {
	return `${TEST_WORKFLOW_ID}|n:${context.ctx.getNode().id}`;
}

/**
 * A `check` hook whose first probe call (a lookup asking about candidate tasks) writes, then loses its reply, as a
 * database connection dropped after the commit does. `dropped()` tells whether it happened.
 */
export function loseFirstProbeReply(): { check: NonNullable<StoreHooks['check']>; dropped: () => boolean } {
	let dropped = false;
	return {
		check: async (items, record) => {
			const answer = await record();
			if (!dropped && items.some((item) => String(item).startsWith('["wavespeed-probe"'))) {
				dropped = true;
				throw new Error('Connection terminated unexpectedly');
			}
			return answer;
		},
		dropped: () => dropped,
	};
}
