/**
 * n8n's processed-data store (the one behind Remove Duplicates, `helpers.checkProcessedAndRecord`) for n8n-core's
 * executor in tests. n8n keeps it in its database (packages/cli's DeduplicationHelper); this keeps the same rows in
 * memory and behaves as that code does in "entries" mode: one row per workflow and scope (`n:<node id>` for the node
 * scope), MD5 (base64) of each value, the oldest entries dropped past maxEntries, and a read of the whole row, an
 * await, then a write of the whole row: two calls at once lose one's entries, and two first calls for a row both
 * insert it (the second fails on the table's unique key, as n8n's database answers). A real n8n (test/e2e/idempotency.e2e.test.ts) runs the database-backed one.
 */
import { createHash } from 'node:crypto';

import { DataDeduplicationService } from 'n8n-core';
import type {
	DeduplicationItemTypes,
	DeduplicationScope,
	ICheckProcessedContextData,
	ICheckProcessedOptions,
	IDataDeduplicator,
	IDeduplicationOutput,
} from 'n8n-workflow';

const hash = (value: DeduplicationItemTypes) => createHash('md5').update(value.toString()).digest('base64');

export class InMemoryProcessedDataStore implements IDataDeduplicator {
	/** `<workflow id>|<context>` → the hashed entries, oldest first. */
	readonly rows = new Map<string, string[]>();
	/** Every call, in order: what the tests count. */
	readonly calls: Array<{ method: 'checkProcessedAndRecord' | 'removeProcessed'; count: number }> = [];

	private rowKey(scope: DeduplicationScope, contextData: ICheckProcessedContextData): string {
		if (scope === 'node' && !contextData.node) throw new Error("No node information has been provided and so cannot use scope 'node'");
		if (!contextData.workflow.id) throw new Error('The workflow has no id: save it first');
		return `${contextData.workflow.id}|${scope === 'node' ? `n:${contextData.node?.id}` : ''}`;
	}

	async checkProcessedAndRecord(
		items: DeduplicationItemTypes[],
		scope: DeduplicationScope,
		contextData: ICheckProcessedContextData,
		options: ICheckProcessedOptions,
	): Promise<IDeduplicationOutput> {
		if (options.mode !== 'entries') throw new Error('Only the "entries" mode is modelled here');
		this.calls.push({ method: 'checkProcessedAndRecord', count: items.length });
		const key = this.rowKey(scope, contextData);
		const stored = this.rows.get(key);
		// n8n awaits the database between its read and its write: other calls run in between, as they do there.
		await new Promise((resolve) => setImmediate(resolve));
		if (!stored && this.rows.has(key)) throw new Error('SQLITE_CONSTRAINT: UNIQUE constraint failed: processed_data.workflowId, processed_data.context');
		const row = [...(stored ?? [])];
		const known = new Set(row);
		const output: IDeduplicationOutput = { new: [], processed: [] };
		for (const item of items) {
			const hashed = hash(item);
			if (known.has(hashed)) output.processed.push(item);
			else {
				output.new.push(item);
				row.push(hashed);
				known.add(hashed);
			}
		}
		if (options.maxEntries) row.splice(0, Math.max(0, row.length - options.maxEntries));
		this.rows.set(key, row);
		return output;
	}

	async removeProcessed(
		items: DeduplicationItemTypes[],
		scope: DeduplicationScope,
		contextData: ICheckProcessedContextData,
	): Promise<void> {
		this.calls.push({ method: 'removeProcessed', count: items.length });
		const key = this.rowKey(scope, contextData);
		const removed = new Set(items.map(hash));
		const stored = this.rows.get(key);
		await new Promise((resolve) => setImmediate(resolve));
		if (stored) this.rows.set(key, stored.filter((entry) => !removed.has(entry)));
	}

	async clearAllProcessedItems(scope: DeduplicationScope, contextData: ICheckProcessedContextData): Promise<void> {
		this.rows.delete(this.rowKey(scope, contextData));
	}

	async getProcessedDataCount(scope: DeduplicationScope, contextData: ICheckProcessedContextData): Promise<number> {
		return this.rows.get(this.rowKey(scope, contextData))?.length ?? 0;
	}

	/** Entries of every row, for tests that check nothing is left behind. */
	get entryCount(): number {
		return [...this.rows.values()].reduce((sum, row) => sum + row.length, 0);
	}

	reset(): void {
		this.rows.clear();
		this.calls.length = 0;
	}
}

let installed: InMemoryProcessedDataStore | undefined;

/** n8n-core's DataDeduplicationService may be initialised once per module registry (one per jest test file). */
export async function installProcessedDataStore(): Promise<InMemoryProcessedDataStore> {
	if (!installed) {
		installed = new InMemoryProcessedDataStore();
		await DataDeduplicationService.init(installed);
	}
	return installed;
}
