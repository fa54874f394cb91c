import type { IDataObject, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { ItemOutcome } from '../task/itemOutcome';
import type { ApiContext } from '../transport/context';
import type { FailedBeforeWait, OutputShaping, PassedBeforeWait, WaitState } from '../webhooks/waitState';
import { failedBeforeWaitError } from '../webhooks/waitState';
import { toErrorItem } from './errorItems';

/**
 * What each input item becomes, for every way of waiting: polling, Sync Mode, and a webhook wait (before it, when it
 * times out, and when WaveSpeed's callbacks resume it). One outcome per input position; this module alone turns them
 * into output items and splits them around a wait, so no mix of per-item settings can drop an item or shift pairing.
 */

export type { ItemOutcome } from '../task/itemOutcome';

/** How a run's output items are shaped beyond the outcome itself. */
export interface OutputShape {
	/** Added to every output item (say, why a webhook wait polled instead). */
	waitNote?: string;
	/** Called by an AI agent as a tool: compact JSON only. */
	forAgent?: boolean;
}

/**
 * The node's output: one item per input position up to itemCount, in input order, each paired with its input. n8n
 * then (with "Continue (using error output)") moves those carrying `error` to the error output.
 */
export function outcomesToItems(ctx: ApiContext, outcomes: ItemOutcome[], itemCount: number, shape: OutputShape = {}): INodeExecutionData[] {
	// Every position, so a missing outcome shows as an error at its place, never as a hole that shifts the pairing of
	// the items after it.
	return Array.from({ length: Math.max(itemCount, outcomes.length) }, (_, itemIndex): INodeExecutionData => {
		const outcome = outcomes[itemIndex] ?? { error: new NodeOperationError(ctx.getNode(), 'This item has no outcome', { itemIndex }) };
		if ('error' in outcome) return toErrorItem(ctx, outcome.error, itemIndex, outcome.taskId);
		const json = shape.waitNote ? { ...outcome.item.json, waitNote: shape.waitNote } : outcome.item.json;
		const item = shape.forAgent ? { json: compactForAgent(json) } : { ...outcome.item, json };
		return { ...item, pairedItem: { item: itemIndex } };
	});
}

/**
 * Before a webhook wait: every item that is not waiting for its task either failed (kept as its error) or passed
 * (Wait for Completion off: kept as its JSON). Each input position is in exactly one of the three lists; a position
 * with no outcome at all fails rather than vanishing.
 */
export function splitAroundWait(
	outcomes: ItemOutcome[],
	itemCount: number,
	waitingItems: ReadonlySet<number>,
): { failed: FailedBeforeWait[]; passed: PassedBeforeWait[] } {
	const failed: FailedBeforeWait[] = [];
	const passed: PassedBeforeWait[] = [];
	for (let itemIndex = 0; itemIndex < itemCount; itemIndex++) {
		if (waitingItems.has(itemIndex)) continue;
		const outcome = outcomes[itemIndex] ?? { error: new Error('This item has no outcome') };
		if ('item' in outcome) {
			passed.push({ itemIndex, json: outcome.item.json });
			continue;
		}
		const { message, description } = outcome.error as Error & { description?: string | null };
		failed.push({ itemIndex, message, description: description ?? undefined, taskId: outcome.taskId });
	}
	return { failed, passed };
}

/**
 * What the items that did not wait became, at their input positions, read back from a saved wait. Shared by the
 * resumed node, a wait that ends at once and a timed-out wait, so all three output every item.
 */
export function outcomesBeforeWait(ctx: ApiContext, state: WaitState): ItemOutcome[] {
	const outcomes: ItemOutcome[] = [];
	for (const failed of state.failed) {
		outcomes[failed.itemIndex] = { error: failedBeforeWaitError(ctx.getNode(), failed), taskId: failed.taskId };
	}
	for (const { itemIndex, json } of state.passed ?? []) outcomes[itemIndex] = { item: { json } };
	return outcomes;
}

/** What an AI agent needs to answer and to chain calls: ids, status, URLs, cost. No base64, timings or flags. */
const AGENT_FIELDS = ['id', 'status', 'outputs', 'error', 'estimatedCostUsd', 'reused', 'reuseNote', 'balance', 'currency', 'waitNote'];

function compactForAgent(json: IDataObject): IDataObject {
	return Object.fromEntries(Object.entries(json).filter(([key, value]) => AGENT_FIELDS.includes(key) && value !== ''));
}

/** What a webhook wait needs from this module, passed down to it (webhooks/ never imports the engine). */
export const outputShaping: OutputShaping = {
	beforeWait: outcomesBeforeWait,
	toItems: (ctx, outcomes, itemCount) => outcomesToItems(ctx, outcomes, itemCount),
};
