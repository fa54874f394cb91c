/**
 * Wait Method "webhook" in a real n8n started as a server (`n8n start`, WEBHOOK_URL set), against the local WaveSpeed
 * server, which calls the execution's resume URL signed, at least once, as WaveSpeed does: the execution waits (saved
 * as waiting, no worker) and resumes once, with every output, when the last task has ended; forged and stale
 * callbacks are refused; a lost callback and a repeated final one change nothing; a restart while it waits loses
 * nothing; a wait that times out reports the running task instead of passing anything on.
 */
import type { ChildProcess } from 'node:child_process';

import { N8nRestClient } from '../../scripts/lib/n8nRest';
import type { ExecutionDetail } from '../../scripts/lib/n8nRest';
import {
	WAVESPEED_NODE_TYPE,
	activateWorkflow,
	getFreePort,
	importWorkflow,
	selectedN8nVersion,
	startN8nServer,
	stopN8nServer,
} from '../../scripts/lib/localN8n';
import type { TestN8nWithFake } from '../support/useTestN8n';
import { useTestN8n } from '../support/useTestN8n';

// n8n 1.x gives nodes no custom data to keep a wait's task list: there the node polls, and says so.
const onN8nV1 = selectedN8nVersion().startsWith('1.');
const itOnV2 = onN8nV1 ? it.skip : it;
const itOnV1 = onN8nV1 ? it : it.skip;

const sleep = async (ms: number) => await new Promise((resolve) => setTimeout(resolve, ms));

/** Webhook trigger → Code (one item per prompt) → WaveSpeed Generate Image (Wait Method webhook) → After. */
function webhookWaitWorkflow(credential: { id: string; name: string }, id: string, prompts: string[], options: Record<string, unknown> = {}, settings: Record<string, unknown> = {}) {
	return {
		id,
		name: id,
		active: false,
		settings: { executionOrder: 'v1', saveDataSuccessExecution: 'all', saveDataErrorExecution: 'all' },
		connections: {
			Start: { main: [[{ node: 'Prompts', type: 'main', index: 0 }]] },
			Prompts: { main: [[{ node: 'WaveSpeed', type: 'main', index: 0 }]] },
			WaveSpeed: { main: [[{ node: 'After', type: 'main', index: 0 }]] },
		},
		nodes: [
			{
				id: 'w1', name: 'Start', type: 'n8n-nodes-base.webhook', typeVersion: 2, position: [0, 0],
				parameters: { path: id, httpMethod: 'POST', responseMode: 'onReceived' }, webhookId: id,
			},
			{
				id: 'w2', name: 'Prompts', type: 'n8n-nodes-base.code', typeVersion: 2, position: [200, 0],
				parameters: { jsCode: `return ${JSON.stringify(prompts)}.map((p) => ({ json: { p } }));` },
			},
			{
				id: 'w3', name: 'WaveSpeed', type: WAVESPEED_NODE_TYPE, typeVersion: 1, position: [400, 0],
				parameters: { operation: 'generateImage', prompt: '={{ $json.p }}', options: { waitMethod: 'webhook', ...options } },
				credentials: { waveSpeedAiApi: credential },
				...settings,
			},
			{ id: 'w4', name: 'After', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [600, 0], parameters: {} },
		],
	};
}

type Item = { json: Record<string, unknown>; binary?: Record<string, { id?: string; mimeType: string }>; pairedItem?: unknown };

describe('Wait Method "webhook", in a real n8n', () => {
	let n8n: TestN8nWithFake;
	useTestN8n('wavespeed-e2e-webhook-wait', { inferenceMs: 1000 }, (setup) => (n8n = setup));
	let server: ChildProcess | undefined;
	let log = '';
	let port = 0;
	let rest: N8nRestClient;

	async function startServer(): Promise<void> {
		port ||= await getFreePort();
		const env = { ...n8n.env, N8N_PORT: String(port), WEBHOOK_URL: `http://127.0.0.1:${port}/`, N8N_DEFAULT_BINARY_DATA_MODE: 'filesystem' };
		server = await startN8nServer(n8n.install, env, port, (text) => (log += text));
		rest = new N8nRestClient(`http://127.0.0.1:${port}`);
		await rest.setUpOwner();
	}

	afterEach(async () => {
		if (server) await stopN8nServer(server);
		server = undefined;
	});

	async function importAndStart(workflow: { id: string }): Promise<void> {
		await importWorkflow(n8n.install, n8n.env, workflow, n8n.workDir);
		await activateWorkflow(n8n.install, n8n.env, workflow.id);
		await startServer();
		// n8n registers the webhooks of published workflows shortly after it reports ready.
		let response = await fetch(`http://127.0.0.1:${port}/webhook/${workflow.id}`, { method: 'POST' });
		for (const endMs = Date.now() + 30_000; response.status === 404 && Date.now() < endMs; await sleep(500)) {
			response = await fetch(`http://127.0.0.1:${port}/webhook/${workflow.id}`, { method: 'POST' });
		}
		expect([response.status, response.ok ? '' : log.slice(-3000)]).toEqual([200, '']);
	}

	/** Polls the executions of `workflowId` (the editor's list) until one has `status`. */
	async function waitForStatus(workflowId: string, status: string, timeoutMs: number): Promise<ExecutionDetail> {
		let seen = '';
		for (const endMs = Date.now() + timeoutMs; Date.now() < endMs; await sleep(500)) {
			const executions = await rest.listExecutions(workflowId);
			seen = executions.map((execution) => execution.status).join(', ');
			const found = executions.find((execution) => execution.status === status);
			if (found) return await rest.getExecution(found.id);
		}
		throw new Error(`No ${status} execution of ${workflowId} within ${timeoutMs / 1000} s (seen: ${seen || 'none'})\n${log.slice(-3000)}`);
	}

	function outputOf(execution: ExecutionDetail, node: string): Item[][] {
		const runs = execution.data.resultData.runData[node] ?? [];
		return runs.map((run) => ((run as { data?: { main?: Item[][] } }).data?.main?.[0] ?? []) as Item[]);
	}

	itOnV2('waits, refuses forged and stale callbacks, ignores a lost and a repeated one, and resumes once with every image', async () => {
		const { fake } = n8n;
		const workflow = webhookWaitWorkflow(
			n8n.credential,
			'e2eWebhookWait',
			['first [inference:3000]', 'refused [inference:4000] [fail]', 'second [inference:6000] [callback:lost]', 'third [inference:9000] [callback:twice]'],
			{},
			{ onError: 'continueErrorOutput' },
		);
		await importAndStart(workflow);
		const waiting = await waitForStatus(workflow.id, 'waiting', 60_000);
		expect(fake.tasks.size).toBe(4);
		const byPrompt = (start: string) => [...fake.tasks.values()].find((task) => String(task.request.prompt).startsWith(start))!;
		const refused = byPrompt('refused');
		const tasks = ['first', 'second', 'third'].map(byPrompt);
		const resumeUrl = tasks[0].webhookUrl!;
		expect(resumeUrl).toContain(`/webhook-waiting/${waiting.id}`);
		expect(tasks.every((task) => task.webhookUrl === resumeUrl)).toBe(true);

		// A forged and a stale callback, claiming the last task finished: refused, and the execution keeps waiting.
		const body = JSON.stringify({ id: tasks[2].id, status: 'completed', outputs: ['https://evil.example/x.png'] });
		expect(refused.webhookUrl).toBe(resumeUrl);
		const forged = await fake.callbacks.deliver(resumeUrl, body, { ...fake.callbacks.sign(body), 'webhook-signature': `v3,${'0'.repeat(64)}` });
		const stale = await fake.callbacks.deliver(resumeUrl, body, fake.callbacks.sign(body, Math.floor(Date.now() / 1000) - 600));
		expect([forged.status, stale.status]).toEqual([401, 401]);
		expect((await rest.getExecution(waiting.id)).status).toBe('waiting');

		const done = await waitForStatus(workflow.id, 'success', 90_000);
		expect(done.id).toBe(waiting.id);
		const [output] = outputOf(done, 'WaveSpeed');
		expect(outputOf(done, 'WaveSpeed')).toHaveLength(1);
		expect(output.map((item) => [item.json.id, item.json.status, item.pairedItem])).toEqual(
			tasks.map((task, index) => [task.id, 'completed', { item: index === 0 ? 0 : index + 1 }]),
		);
		// The refused task on the error output, naming its task.
		const errors = (done.data.resultData.runData.WaveSpeed[0] as { data: { main: Item[][] } }).data.main[1];
		expect(errors.map((item) => [item.pairedItem, String(item.json.error).includes(refused.id)])).toEqual([[{ item: 1 }, true]]);
		for (const item of output) {
			expect(item.binary?.data?.mimeType).toBe('image/png');
			const bytes = await rest.readBinary(item.binary!.data.id!);
			expect(bytes.subarray(1, 4).toString()).toBe('PNG');
		}
		expect(outputOf(done, 'After')).toHaveLength(1);
		expect(outputOf(done, 'After')[0]).toHaveLength(3);
		expect(log).not.toContain(fake.options.apiKey);

		// Callbacks: none for the lost one, two for the last; the repeat did not start a second run. Waited for as an
		// event (the repeat's reply, 300 ms after the first call), not slept for.
		const calls = (taskId: string) => fake.callbacks.sent.filter((call) => call.taskId === taskId);
		for (const endMs = Date.now() + 30_000; calls(tasks[2].id).length < 2 && Date.now() < endMs; ) await sleep(100);
		expect([calls(tasks[0].id).length, calls(tasks[1].id).length, calls(tasks[2].id).length]).toEqual([1, 0, 2]);
		expect(calls(tasks[2].id).some((call) => call.status === 200)).toBe(true);
		const executions = await rest.listExecutions(workflow.id);
		expect(executions.map((execution) => execution.status)).toEqual(['success']);
		expect(outputOf(await rest.getExecution(done.id), 'After')).toHaveLength(1);
		expect(fake.countRequests('generate')).toBe(4);
	}, 300_000);

	itOnV2('survives an n8n restart while it waits', async () => {
		const { fake } = n8n;
		const workflow = webhookWaitWorkflow(n8n.credential, 'e2eWebhookRestart', ['early [inference:1000]', 'late [inference:60000]'], { timeout: 300 }, { onError: 'continueRegularOutput' });
		await importAndStart(workflow);
		const waiting = await waitForStatus(workflow.id, 'waiting', 60_000);
		await stopN8nServer(server!);
		server = undefined;
		await startServer();
		const done = await waitForStatus(workflow.id, 'success', 180_000);
		expect(done.id).toBe(waiting.id);
		const [output] = outputOf(done, 'WaveSpeed');
		expect(output.map((item) => [item.json.status, item.binary?.data?.mimeType])).toEqual([
			['completed', 'image/png'],
			['completed', 'image/png'],
		]);
		// Resumed by the late task's callback, after the restart.
		const late = [...fake.tasks.values()].find((task) => String(task.request.prompt).startsWith('late'))!;
		expect(fake.callbacks.sent.filter((call) => call.taskId === late.id).map((call) => call.status)).toContain(200);
		expect(fake.countRequests('generate')).toBe(2);
	}, 400_000);

	itOnV2('a wait that times out passes on errors naming each task, never the input it waited with', async () => {
		const workflow = webhookWaitWorkflow(n8n.credential, 'e2eWebhookTimeout', ['done [inference:500] [callback:lost]', 'stuck [never]'], { timeout: 5 }, { onError: 'continueRegularOutput' });
		await importAndStart(workflow);
		// n8n resumes a timed-out wait without running the node; its wait tracker looks for due waits once a minute.
		const done = await waitForStatus(workflow.id, 'success', 150_000);
		const byPrompt = (start: string) => [...n8n.fake.tasks.values()].find((task) => String(task.request.prompt).startsWith(start))!;
		const [first, stuck] = [byPrompt('done'), byPrompt('stuck')];
		const [output] = outputOf(done, 'WaveSpeed');
		expect(output.map((item) => [item.json, item.binary, item.pairedItem])).toEqual([
			[{ error: expect.stringContaining(`task ${first.id} may have finished`), id: first.id }, undefined, { item: 0 }],
			[{ error: expect.stringContaining(`task ${stuck.id} may have finished`), id: stuck.id }, undefined, { item: 1 }],
		]);
		expect(outputOf(done, 'After')[0]).toHaveLength(2);
	}, 300_000);

	itOnV1('on n8n 1.x, polls instead and says why in every item', async () => {
		const workflow = webhookWaitWorkflow(n8n.credential, 'e2eWebhookOnV1', ['a [inference:500]', 'b [inference:500]'], {}, { onError: 'continueRegularOutput' });
		await importAndStart(workflow);
		const done = await waitForStatus(workflow.id, 'success', 120_000);
		const [output] = outputOf(done, 'WaveSpeed');
		expect(output.map((item) => [item.json.status, item.binary?.data?.mimeType])).toEqual([
			['completed', 'image/png'],
			['completed', 'image/png'],
		]);
		for (const item of output) expect(item.json.waitNote).toContain('n8n 1.x');
		expect([...n8n.fake.tasks.values()].map((task) => task.webhookUrl)).toEqual([undefined, undefined]);
	}, 300_000);
});
