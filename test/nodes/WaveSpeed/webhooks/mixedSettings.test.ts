import { resumeOnCallback } from '../../../../nodes/WaveSpeed/webhooks/resumeOnCallback';
import { loadWaitState } from '../../../../nodes/WaveSpeed/webhooks/waitState';
import { outputShaping } from '../../../../nodes/WaveSpeed/engine/itemOutcomes';
import { FAST_OPTIONS } from '../../../support/builders';
import { createExecuteContext, runNode } from '../../../support/executeContext';
import type { FakeWaveSpeed } from '../../../support/fakeWaveSpeed';
import { useFakeWaveSpeed } from '../../../support/useFakeWaveSpeed';
import { createWebhookContext } from '../../../support/webhookContext';

const RESUME_URL = 'http://127.0.0.1:5678/webhook-waiting/42?signature=abc';
const TRIGGER_URL = 'http://127.0.0.1:5678/webhook/trigger/wavespeed?sku=7';

/**
 * Wait Method "webhook" (read from item 0) with Wait for Completion and Callback URL set per item by expression:
 * item 0 does not wait and has its own Callback URL, item 1 waits, item 2 does not wait and has none, item 3 is
 * invalid (Continue On Fail). Every item must come out exactly once, in order, with pairedItem.
 */
describe('Wait Method "webhook" with per-item Wait for Completion and Callback URL', () => {
	let fake: FakeWaveSpeed;
	useFakeWaveSpeed((started) => (fake = started));

	const waits = [false, true, false, true];
	function mixedBatch(waitingPrompt: string) {
		const credentials = { apiKey: fake.options.apiKey, baseUrl: fake.url };
		const execution = createExecuteContext({
			params: {
				operation: 'generateImage',
				prompt: (i: number) => (i === 1 ? waitingPrompt : i === 3 ? '' : `p${i} [callback:lost]`),
				waitForCompletion: (i: number) => waits[i],
				options: (i: number) => ({ ...FAST_OPTIONS, waitMethod: i === 0 ? 'webhook' : 'poll', ...(i === 0 ? { callbackUrl: TRIGGER_URL } : {}) }),
			},
			items: waits.map(() => ({ json: {} })),
			credentials,
			continueOnFail: true,
			onError: 'continueRegularOutput',
			resumeUrl: RESUME_URL,
			binaryMode: 'filesystem',
		});
		return { execution, credentials };
	}

	const byItem = (items: Array<{ json: { id?: unknown; error?: unknown }; pairedItem?: unknown }>) =>
		items.map((item) => [item.json.id ?? (item.json.error ? 'error' : undefined), item.pairedItem]);

	it("keeps each item's own Callback URL (or none); only the waiting item gets the resume URL", async () => {
		const { execution } = mixedBatch('p1 [inference:5000] [callback:lost]');
		await runNode(execution);
		expect([...fake.tasks.values()].map((task) => task.webhookUrl)).toEqual([TRIGGER_URL, RESUME_URL, undefined]);
	});

	it('a timed-out wait passes on every item in order: the non-waiting items as submitted, the invalid one as an error', async () => {
		const { execution } = mixedBatch('p1 [inference:5000] [callback:lost]');
		await runNode(execution);
		expect(execution.waits).toHaveLength(1);
		const tasks = [...fake.tasks.values()];
		const { data } = execution.ctx.getExecuteData() as unknown as { data: { main: Array<Array<{ json: { id?: string; status?: string; error?: string } }>> } };
		const items = data.main[0];
		expect(items).toHaveLength(4);
		expect(items.map((item) => item.json.id ?? 'error')).toEqual([tasks[0].id, tasks[1].id, tasks[2].id, 'error']);
		expect(items[0].json.status).toBe('created');
		expect(items[1].json.error).toContain('Get Result');
		const state = await loadWaitState(execution.ctx);
		expect(state?.waiting.map((waiting) => waiting.itemIndex)).toEqual([1]);
	});

	it('when every task ended before the wait, outputs every item in order with pairedItem', async () => {
		const { execution } = mixedBatch('p1 [inference:1]');
		const output = await runNode(execution);
		expect(execution.waits).toHaveLength(0);
		const tasks = [...fake.tasks.values()];
		expect(byItem(output)).toEqual([
			[tasks[0].id, { item: 0 }],
			[tasks[1].id, { item: 1 }],
			[tasks[2].id, { item: 2 }],
			['error', { item: 3 }],
		]);
		expect(output[1].json.status).toBe('completed');
		expect(fake.countRequests('generate')).toBe(3);
	});

	it('the resumed node outputs every item in order with pairedItem, the waiting one with its image', async () => {
		const { execution, credentials } = mixedBatch('p1 [inference:300] [callback:lost]');
		await runNode(execution);
		expect(execution.waits).toHaveLength(1);
		const tasks = [...fake.tasks.values()];
		for (const endMs = Date.now() + 5000; Date.now() < tasks[1].completeAtMs && Date.now() < endMs; ) {
			await new Promise((resolve) => setTimeout(resolve, 50));
		}
		const body = JSON.stringify({ id: tasks[1].id, status: 'completed' });
		const webhook = createWebhookContext({ call: { headers: fake.callbacks.sign(body), rawBody: Buffer.from(body) }, credentials, execution, nodeName: 'WaveSpeed' });
		const result = (await resumeOnCallback.call(webhook.ctx, outputShaping)) as { workflowData: Array<Array<{ json: { id?: string; status?: string }; binary?: { data: { mimeType: string } }; pairedItem: unknown }>> };
		const [items] = result.workflowData;
		expect(byItem(items)).toEqual([
			[tasks[0].id, { item: 0 }],
			[tasks[1].id, { item: 1 }],
			[tasks[2].id, { item: 2 }],
			['error', { item: 3 }],
		]);
		expect(items[1].binary?.data.mimeType).toBe('image/png');
	});

	it("an item that does not wait but whose Sync Mode reply holds its image keeps the image: the batch polls, saying why", async () => {
		const credentials = { apiKey: fake.options.apiKey, baseUrl: fake.url };
		const execution = createExecuteContext({
			params: {
				operation: 'generateImage',
				prompt: (i: number) => `p${i} [inference:200]`,
				waitForCompletion: (i: number) => i === 1,
				options: (i: number) => ({ ...FAST_OPTIONS, waitMethod: 'webhook', syncMode: i === 0 }),
			},
			items: [{ json: {} }, { json: {} }],
			credentials,
			continueOnFail: true,
			onError: 'continueRegularOutput',
			resumeUrl: RESUME_URL,
			binaryMode: 'filesystem',
		});
		const output = await runNode(execution);
		expect(execution.waits).toHaveLength(0);
		expect(output.map((item) => [item.json.status, item.binary?.data.mimeType, item.pairedItem])).toEqual([
			['completed', 'image/png', { item: 0 }],
			['completed', 'image/png', { item: 1 }],
		]);
		expect(output[0].json.waitNote).toContain('Sync Mode');
	});
});
