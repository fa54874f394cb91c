import { resumeOnCallback } from '../../../../nodes/WaveSpeed/webhooks/resumeOnCallback';
import { outputShaping } from '../../../../nodes/WaveSpeed/engine/itemOutcomes';
import { FAST_OPTIONS } from '../../../support/builders';
import { createExecuteContext, runNode } from '../../../support/executeContext';
import type { FakeWaveSpeed } from '../../../support/fakeWaveSpeed';
import { useFakeWaveSpeed } from '../../../support/useFakeWaveSpeed';
import { createWebhookContext } from '../../../support/webhookContext';

describe("webhook(): WaveSpeed's callback for a waiting execution", () => {
	let fake: FakeWaveSpeed;
	useFakeWaveSpeed((started) => (fake = started));

	/** Two items submitted in webhook mode: the execution now waits; the returned function makes a call to it. */
	async function startWait(prompts = ['a [inference:200] [callback:lost]', 'b [inference:400] [callback:lost]']) {
		const credentials = { apiKey: fake.options.apiKey, baseUrl: fake.url };
		const execution = createExecuteContext({
			params: { operation: 'generateImage', prompt: (i: number) => prompts[i], waitForCompletion: true, options: { ...FAST_OPTIONS, waitMethod: 'webhook' } },
			items: prompts.map(() => ({ json: {} })),
			credentials,
			continueOnFail: true,
			onError: 'continueRegularOutput',
			resumeUrl: 'http://127.0.0.1:5678/webhook-waiting/1',
			binaryMode: 'filesystem',
		});
		await runNode(execution);
		expect(execution.waits).toHaveLength(1);
		const tasks = [...fake.tasks.values()];
		const call = async (taskIndex: number, headers?: Record<string, string>, credentialId?: string) => {
			const body = JSON.stringify({ id: tasks[taskIndex].id, status: 'completed' });
			const context = createWebhookContext({
				call: { headers: headers ?? fake.callbacks.sign(body), rawBody: Buffer.from(body) },
				credentials,
				execution,
				nodeName: 'WaveSpeed',
				credentialId,
			});
			return { result: await resumeOnCallback.call(context.ctx, outputShaping), response: context.response };
		};
		return { tasks, call, execution };
	}

	const allEnded = async () => {
		for (const endMs = Date.now() + 5000; [...fake.tasks.values()].some((task) => Date.now() < task.completeAtMs) && Date.now() < endMs; ) {
			await new Promise((resolve) => setTimeout(resolve, 50));
		}
	};

	it('refuses a forged call (401) and resumes nothing', async () => {
		const { call } = await startWait();
		await allEnded();
		const { result, response } = await call(0, { ...fake.callbacks.sign('{}'), 'webhook-signature': `v3,${'1'.repeat(64)}` });
		expect(response.status).toBe(401);
		expect(result).toEqual({ noWebhookResponse: true });
	});

	it('acknowledges a call while another task runs, then resumes once with every item when all have ended', async () => {
		const { tasks, call } = await startWait();
		const early = await call(0);
		expect(early.result).toEqual({ webhookResponse: { received: true, note: 'Other tasks of this execution are still running' } });
		await allEnded();
		const { result } = await call(0);
		const [items] = (result as { workflowData: Array<Array<{ json: { id: string }; binary?: { data: { mimeType: string } }; pairedItem: unknown }>> }).workflowData;
		expect(items.map((item) => [item.json.id, item.binary?.data.mimeType, item.pairedItem])).toEqual(
			tasks.map((task, index) => [task.id, 'image/png', { item: index }]),
		);
		// A repeat of the final call finds the wait over.
		expect((await call(1)).result).toEqual({ webhookResponse: { received: true, note: 'This node is not waiting for WaveSpeed tasks' } });
	});

	it('answers 503 when the secret cannot be read now (WaveSpeed delivers again), never throws', async () => {
		const { call } = await startWait();
		// Another credential (the secret is kept per credential for a few minutes), whose secret request is refused.
		fake.faults.push({ route: 'webhookSecret', kind: 'status', status: 403 });
		const { result, response } = await call(0, undefined, 'credential-without-secret');
		expect(response.status).toBe(503);
		expect(result).toEqual({ noWebhookResponse: true });
	});
});
