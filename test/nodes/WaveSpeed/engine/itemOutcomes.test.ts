/** What each input item becomes: every mix of waiting, passed, failed and missing outcomes comes out whole, in order. */
import type { INode } from 'n8n-workflow';

import { outcomesBeforeWait, outcomesToItems, splitAroundWait } from '../../../../nodes/WaveSpeed/engine/itemOutcomes';
import type { ItemOutcome } from '../../../../nodes/WaveSpeed/engine/itemOutcomes';
import type { ApiContext } from '../../../../nodes/WaveSpeed/transport/context';
import type { WaitState } from '../../../../nodes/WaveSpeed/webhooks/waitState';

type Kind = 'waiting' | 'passed' | 'failed' | 'missing';
const KINDS: Kind[] = ['waiting', 'passed', 'failed', 'missing'];

const contextFor = (onError: INode['onError']) =>
	({ getNode: () => ({ name: 'WaveSpeed', type: 'n8n-nodes-wavespeed-models.waveSpeed', typeVersion: 1, position: [0, 0], parameters: {}, id: 'n', onError }) }) as unknown as ApiContext;

/** Every sequence of `length` kinds (4^length of them). */
function allMixes(length: number): Kind[][] {
	if (length === 0) return [[]];
	return allMixes(length - 1).flatMap((mix) => KINDS.map((kind) => [...mix, kind]));
}

function outcomesOf(mix: Kind[]): ItemOutcome[] {
	const outcomes: ItemOutcome[] = [];
	mix.forEach((kind, itemIndex) => {
		if (kind === 'waiting') outcomes[itemIndex] = { item: { json: { id: `task-${itemIndex}`, status: 'created', waitMethod: 'webhook' } } };
		if (kind === 'passed') outcomes[itemIndex] = { item: { json: { id: `task-${itemIndex}`, status: 'created' } } };
		if (kind === 'failed') outcomes[itemIndex] = { error: new Error(`item ${itemIndex} failed`), taskId: itemIndex % 2 ? `task-${itemIndex}` : undefined };
	});
	return outcomes;
}

describe('what each input item becomes', () => {
	const mixes = allMixes(4);

	it.each(['continueRegularOutput', 'continueErrorOutput'] as const)(
		'across a webhook wait, every one of the 256 mixes of 4 items comes out as 4 items, in order, paired, none twice (onError %s)',
		(onError) => {
			const ctx = contextFor(onError);
			for (const mix of mixes) {
				const outcomes = outcomesOf(mix);
				const waitingItems = new Set(mix.flatMap((kind, itemIndex) => (kind === 'waiting' ? [itemIndex] : [])));
				const { failed, passed } = splitAroundWait(outcomes, mix.length, waitingItems);
				// Each position in exactly one list.
				const positions = [...waitingItems, ...failed.map((item) => item.itemIndex), ...passed.map((item) => item.itemIndex)].sort();
				expect(positions).toEqual([0, 1, 2, 3]);

				const state = { version: 1, itemCount: mix.length, waiting: [], failed, passed, maxConcurrency: 1, waitTillMs: 0 } as WaitState;
				const after = outcomesBeforeWait(ctx, state);
				for (const itemIndex of waitingItems) after[itemIndex] = { item: { json: { id: `task-${itemIndex}`, status: 'completed' } } };
				const items = outcomesToItems(ctx, after, mix.length);
				expect(items.map((item) => item.pairedItem)).toEqual([0, 1, 2, 3].map((item) => ({ item })));
				items.forEach((item, itemIndex) => {
					const kind = mix[itemIndex];
					if (kind === 'waiting') expect(item.json).toEqual({ id: `task-${itemIndex}`, status: 'completed' });
					if (kind === 'passed') expect(item.json).toEqual({ id: `task-${itemIndex}`, status: 'created' });
					if (kind === 'failed') {
						expect(String(item.json.error)).toContain(`item ${itemIndex} failed`);
						expect(item.json.id).toBe(itemIndex % 2 ? `task-${itemIndex}` : undefined);
					}
					if (kind === 'missing') expect(String(item.json.error)).toContain('no outcome');
				});
			}
		},
	);

	it('polled or Sync Mode: holes are errors at their place; the wait note and the agent shape apply to results only', () => {
		const ctx = contextFor('continueRegularOutput');
		const outcomes = outcomesOf(['passed', 'missing', 'failed', 'passed']);
		outcomes[3] = { item: { json: { id: 't3', status: 'completed', timings: { inference: 1 }, estimatedCostUsd: 0.06, reused: true, error: '' }, binary: {} } };
		const items = outcomesToItems(ctx, outcomes, 5, { waitNote: 'Waited by polling', forAgent: true });
		expect(items).toHaveLength(5);
		expect(items.map((item) => item.pairedItem)).toEqual([0, 1, 2, 3, 4].map((item) => ({ item })));
		expect(items[0].json).toEqual({ id: 'task-0', status: 'created', waitNote: 'Waited by polling' });
		expect(items[1].json.error).toBe('This item has no outcome');
		expect(items[2].json).toEqual({ error: 'item 2 failed' });
		// `reused` tells the agent that an Idempotency Key's earlier task answered (nothing paid).
		expect(items[3]).toEqual({ json: { id: 't3', status: 'completed', estimatedCostUsd: 0.06, reused: true, waitNote: 'Waited by polling' }, pairedItem: { item: 3 } });
		expect(items[4].json.error).toBe('This item has no outcome');
	});
});
