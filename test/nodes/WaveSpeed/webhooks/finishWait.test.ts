import { buildOutcomes, readEndedTasks } from '../../../../nodes/WaveSpeed/webhooks/finishWait';
import type { WaitState } from '../../../../nodes/WaveSpeed/webhooks/waitState';
import { outputShaping } from '../../../../nodes/WaveSpeed/engine/itemOutcomes';
import { createExecuteContext } from '../../../support/executeContext';
import type { FakeWaveSpeed } from '../../../support/fakeWaveSpeed';
import { useFakeWaveSpeed } from '../../../support/useFakeWaveSpeed';

describe('the resume decision of a webhook wait', () => {
	let fake: FakeWaveSpeed;
	useFakeWaveSpeed((started) => (fake = started));

	const context = () => createExecuteContext({ params: {}, credentials: { apiKey: fake.options.apiKey, baseUrl: fake.url } }).ctx;

	/** Submits straight to the local server (as an earlier run of the node did) and returns the task ids. */
	async function submit(prompts: string[]): Promise<string[]> {
		const ids: string[] = [];
		for (const prompt of prompts) {
			const response = await fetch(`${fake.url}/api/v3/openai/gpt-image-2/text-to-image`, {
				method: 'POST',
				headers: { Authorization: `Bearer ${fake.options.apiKey}`, 'Content-Type': 'application/json' },
				body: JSON.stringify({ prompt }),
			});
			ids.push(((await response.json()) as { data: { id: string } }).data.id);
		}
		return ids;
	}

	function stateFor(taskIds: string[], failed: WaitState['failed'] = []): WaitState {
		const failedItems = new Set(failed.map((item) => item.itemIndex));
		const itemIndexes = Array.from({ length: taskIds.length + failed.length }, (_, index) => index).filter((index) => !failedItems.has(index));
		return {
			version: 1,
			itemCount: taskIds.length + failed.length,
			waiting: taskIds.map((taskId, position) => ({
				itemIndex: itemIndexes[position],
				taskId,
				downloadOutput: true,
				outputBinaryProperty: 'data',
				media: 'image',
				timeoutMs: 30_000,
				deadlineMs: Date.now() + 30_000,
				cost: { estimatedCostUsd: 0.01 },
			})),
			failed,
			maxConcurrency: 2,
			waitTillMs: Date.now() + 30_000,
		};
	}

	it('while the newest task still runs, one read answers "not yet", however many older tasks have ended', async () => {
		const ids = await submit(['a [inference:0]', 'b [inference:0]', 'c [inference:0]', 'last [never]']);
		fake.requests.length = 0;
		expect(await readEndedTasks(context(), stateFor(ids))).toBeUndefined();
		expect(fake.countRequests('result')).toBe(1);
	});

	it('an older task still running is found too: no resume until every task has ended', async () => {
		const ids = await submit(['a [inference:0]', 'slow [never]', 'c [inference:0]']);
		fake.requests.length = 0;
		expect(await readEndedTasks(context(), stateFor(ids))).toBeUndefined();
		expect(fake.countRequests('result')).toBe(2);
	});

	it('once every task has ended, each is read once and handed over', async () => {
		const ids = await submit(['a [inference:0]', 'b [inference:0] [fail]', 'c [inference:0]']);
		fake.requests.length = 0;
		const ended = await readEndedTasks(context(), stateFor(ids));
		expect([...(ended?.keys() ?? [])].sort()).toEqual([...ids].sort());
		expect(fake.countRequests('result')).toBe(3);
		expect(ended?.get(ids[1])?.status).toBe('failed');
	});

	it('builds what poll mode outputs, in input order: images with cost, failed tasks and earlier failures as errors naming the task', async () => {
		const ids = await submit(['a [inference:0]', 'refused [inference:0] [fail]']);
		const state = stateFor(ids, [{ itemIndex: 1, message: 'Prompt must not be empty [item 1]' }]);
		const ctx = context();
		const ended = await readEndedTasks(ctx, state);
		const outcomes = await buildOutcomes(ctx, state, ended!, outputShaping);
		expect(outcomes).toHaveLength(3);
		const [first, second, third] = outcomes;
		expect('item' in first && first.item.json).toMatchObject({ id: ids[0], status: 'completed', estimatedCostUsd: 0.01 });
		expect('item' in first && first.item.binary?.data?.mimeType).toBe('image/png');
		expect('error' in second && second.error.message).toBe('Prompt must not be empty [item 1]');
		expect('error' in third && [third.taskId, third.error.message]).toEqual([ids[1], expect.stringContaining('Content policy violation')]);
	});

	it("downloads after a wait that outlived an item's own deadline: its Timeout bounds the downloads from when they start", async () => {
		const ids = await submit(['a [inference:0]']);
		const state = stateFor(ids);
		state.waiting[0].deadlineMs = Date.now() - 60_000; // other items kept the execution waiting longer
		const ctx = context();
		const [outcome] = await buildOutcomes(ctx, state, (await readEndedTasks(ctx, state))!, outputShaping);
		expect('item' in outcome && outcome.item.binary?.data?.mimeType).toBe('image/png');
	});
});
