import { loadWaitState } from '../../../../nodes/WaveSpeed/webhooks/waitState';
import { FAST_OPTIONS } from '../../../support/builders';
import { createExecuteContext, runNode } from '../../../support/executeContext';
import type { FakeWaveSpeed } from '../../../support/fakeWaveSpeed';
import { useFakeWaveSpeed } from '../../../support/useFakeWaveSpeed';

/**
 * Issue 19 defect 6: when parking fails once (saving the wait or putExecutionToWait throws), n8n's Retry On Fail
 * runs the node again with the same run data. The retry must park again (or finish the tasks), never output the
 * submit replies ("created", no image) as results, and never submit again.
 */
describe('Wait Method "webhook": Retry On Fail after a failed park', () => {
	let fake: FakeWaveSpeed;
	useFakeWaveSpeed((started) => (fake = started));

	const waitingBatch = () =>
		createExecuteContext({
			params: { operation: 'generateImage', prompt: (i: number) => `p${i} [inference:5000] [callback:lost]`, waitForCompletion: true, options: { ...FAST_OPTIONS, waitMethod: 'webhook' } },
			items: [{ json: {} }, { json: {} }],
			credentials: { apiKey: fake.options.apiKey, baseUrl: fake.url },
			continueOnFail: true,
			onError: 'continueRegularOutput',
			resumeUrl: 'http://127.0.0.1:5678/webhook-waiting/9',
			binaryMode: 'filesystem',
		});

	it('parks again with the same tasks instead of outputting the submit replies', async () => {
		const context = waitingBatch();
		const putToWait = context.ctx.putExecutionToWait.bind(context.ctx);
		let failures = 1;
		context.ctx.putExecutionToWait = async (waitTill: Date) => {
			if (failures-- > 0) throw new Error('database unavailable');
			await putToWait(waitTill);
		};
		await expect(runNode(context)).rejects.toThrow('database unavailable');
		const taskIds = [...fake.tasks.keys()];
		expect(taskIds).toHaveLength(2);

		await runNode(context);
		expect(context.waits).toHaveLength(1);
		expect(fake.countRequests('generate')).toBe(2);
		const state = await loadWaitState(context.ctx);
		expect(state?.waiting.map((waiting) => waiting.taskId).sort()).toEqual([...taskIds].sort());
	});
});
