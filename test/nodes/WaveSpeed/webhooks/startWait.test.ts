import { planWait } from '../../../../nodes/WaveSpeed/webhooks/startWait';
import { loadWaitState } from '../../../../nodes/WaveSpeed/webhooks/waitState';
import { FAST_OPTIONS } from '../../../support/builders';
import type { ContextOptions } from '../../../support/executeContext';
import { createExecuteContext, runNode } from '../../../support/executeContext';
import type { FakeWaveSpeed } from '../../../support/fakeWaveSpeed';
import { useFakeWaveSpeed } from '../../../support/useFakeWaveSpeed';

const RESUME_URL = 'http://127.0.0.1:5678/webhook-waiting/42?signature=abc';

describe('Wait Method "webhook": waiting, or polling with a note', () => {
	let fake: FakeWaveSpeed;
	useFakeWaveSpeed((started) => (fake = started));

	const generate = (options: Record<string, unknown> = {}, context: Partial<ContextOptions> = {}) =>
		createExecuteContext({
			params: { operation: 'generateImage', prompt: (i: number) => `p${i}`, waitForCompletion: true, options: { ...FAST_OPTIONS, waitMethod: 'webhook', ...options } },
			items: [{ json: {} }, { json: {} }],
			credentials: { apiKey: fake.options.apiKey, baseUrl: fake.url },
			continueOnFail: true,
			onError: 'continueRegularOutput',
			resumeUrl: RESUME_URL,
			binaryMode: 'filesystem',
			...context,
		});

	it('submits every task with the resume URL, keeps the task list, sets what a timeout passes on, and waits', async () => {
		fake.options.inferenceMs = 5000;
		const context = generate({}, { onError: 'continueErrorOutput' });
		const output = await runNode(context);
		const tasks = [...fake.tasks.values()];
		expect(tasks.map((task) => task.webhookUrl)).toEqual([RESUME_URL, RESUME_URL]);
		// One read before waiting: the newest task still runs, so a callback will come for it.
		expect(fake.requests.filter((request) => request.route === 'result').map((request) => request.path)).toEqual([expect.stringContaining(tasks[1].id)]);
		expect(context.waits).toHaveLength(1);
		expect(output.map((item) => item.json.waitMethod)).toEqual(['webhook', 'webhook']);
		const state = await loadWaitState(context.ctx);
		expect(state?.waiting.map(({ itemIndex, taskId }) => [itemIndex, taskId])).toEqual(tasks.map((task, index) => [index, task.id]).sort());
		expect(state?.waitTillMs).toBe(context.waits[0].getTime());
		// A timed-out wait resumes without running the node: it passes on what it waited with, now errors naming tasks.
		const { data } = context.ctx.getExecuteData() as unknown as { data: { main: Array<Array<{ json: { id: string; error: string }; error?: Error; binary?: unknown }>> } };
		expect(data.main).toHaveLength(1);
		expect(data.main[0].map((item) => item.json.id)).toEqual(state?.waiting.map((waiting) => waiting.taskId));
		expect(data.main[0][0].json.error).toContain('Collect it with "Get Result"');
		// Marked as errors, so n8n routes them to the error output; no binary, nothing of the input.
		expect(data.main[0].map((item) => [Boolean(item.error), item.binary])).toEqual([[true, undefined], [true, undefined]]);
	});

	// n8n answers 409 to a callback for an execution not yet saved as waiting: when the last task ended before the
	// wait began, no callback would resume it, and the items would end as timed-out errors.
	it('when every task has ended before the wait begins, finishes at once with the images instead of waiting', async () => {
		// 1 ms: "created" in the submit reply (so the node waits), completed by the time it would start waiting.
		fake.options.inferenceMs = 1;
		const context = generate();
		const output = await runNode(context);
		expect(context.waits).toHaveLength(0);
		expect(await loadWaitState(context.ctx)).toBeUndefined();
		expect(output.map((item) => [item.json.status, item.binary?.data?.mimeType, item.pairedItem])).toEqual([
			['completed', 'image/png', { item: 0 }],
			['completed', 'image/png', { item: 1 }],
		]);
		expect([...fake.tasks.values()].map((task) => task.webhookUrl)).toEqual([RESUME_URL, RESUME_URL]);
		expect(fake.countRequests('generate')).toBe(2);
	});

	// Before, a task already ended in its submit reply was output there and left out of the wait: the resumed (or
	// timed-out) node then output one item fewer than it was given.
	it('keeps a task that had ended by its submit reply in the wait with the others: every item comes out after it', async () => {
		const params = { operation: 'generateImage', prompt: (i: number) => (i === 0 ? 'p0 [inference:0]' : 'p1 [inference:5000]'), waitForCompletion: true, options: { ...FAST_OPTIONS, waitMethod: 'webhook' } };
		const context = generate({}, { params });
		await runNode(context);
		expect(context.waits).toHaveLength(1);
		const state = await loadWaitState(context.ctx);
		expect(state?.waiting.map((waiting) => waiting.itemIndex).sort()).toEqual([0, 1]);
		const { data } = context.ctx.getExecuteData() as unknown as { data: { main: Array<Array<{ json: { id: string } }>> } };
		expect(data.main[0].map((item) => item.json.id)).toHaveLength(2);
	});

	it('on an account capped below the batch, submits the refused items as tasks end, then waits for the last ones', async () => {
		fake.options.maxConcurrentTasks = 2;
		fake.options.inferenceMs = 1500;
		const context = generate({ maxConcurrency: 4 }, { items: [{ json: {} }, { json: {} }, { json: {} }, { json: {} }] });
		const output = await runNode(context);
		expect(output.map((item) => item.json.waitMethod)).toEqual(['webhook', 'webhook', 'webhook', 'webhook']);
		expect(fake.tasks.size).toBe(4);
		expect(fake.peakRunningTasks).toBe(2);
		expect(context.waits).toHaveLength(1);
	});

	const polledWithNote = async (context: ReturnType<typeof generate>, why: RegExp) => {
		const output = await runNode(context);
		expect(context.waits).toHaveLength(0);
		expect([...fake.tasks.values()].map((task) => task.webhookUrl)).toEqual([undefined, undefined]);
		expect(output.map((item) => item.json.status)).toEqual(['completed', 'completed']);
		for (const item of output) expect(item.json.waitNote).toMatch(why);
	};

	it('without Continue On Fail it polls, and says why: n8n cannot resume a waiting node into a failure', async () => {
		await polledWithNote(generate({}, { continueOnFail: false, onError: undefined }), /On Error setting/);
	});

	it("with Base64 Output it polls (WaveSpeed refuses webhooks for it), and says so", async () => {
		await polledWithNote(generate({ base64Output: true }), /Base64 Output/);
	});

	it("in n8n's memory binary mode it polls: a waiting execution could not keep its task list", async () => {
		await polledWithNote(generate({}, { binaryMode: 'default' }), /in memory/);
	});

	it('with a public API and a resume URL on localhost (no WEBHOOK_URL), it polls: WaveSpeed could not call back', async () => {
		const context = generate({}, { credentials: { apiKey: 'k', baseUrl: 'https://api.wavespeed.ai' }, resumeUrl: 'http://localhost:5678/webhook-waiting/7' });
		const plan = await planWait(context.ctx, [{ waitForCompletion: true } as never], { waitMethod: 'webhook', isToolCall: false, continueOnFail: true });
		expect(plan).toEqual({ note: expect.stringContaining("set n8n's WEBHOOK_URL") });
		expect(fake.requests).toHaveLength(0);
	});

	it('with a public API and a public but http:// resume URL, it polls: WaveSpeed calls only https URLs', async () => {
		const context = generate({}, { credentials: { apiKey: 'k', baseUrl: 'https://api.wavespeed.ai' }, resumeUrl: 'http://n8n.example.com/webhook-waiting/7' });
		const plan = await planWait(context.ctx, [{ waitForCompletion: true } as never], { waitMethod: 'webhook', isToolCall: false, continueOnFail: true });
		expect(plan).toEqual({ note: expect.stringContaining('is not https, and WaveSpeed calls only public https URLs') });
		expect(fake.requests).toHaveLength(0);
	});

	it('as an AI agent\'s tool it polls: the agent needs the answer within its run', async () => {
		await polledWithNote(generate({}, { toolCall: 'context' }), /AI agent/);
	});
});
