/**
 * End to end, in a real n8n started as a server (`n8n start`, WEBHOOK_URL set; the package installed as Settings →
 * Community Nodes would): the WaveSpeed Trigger of an active workflow receives the calls the local WaveSpeed server
 * makes for tasks submitted with `?webhook=<the Trigger's production URL>?sku=…`. A genuine call starts exactly one
 * execution with the image and the query; a forged, a stale and a repeated one start none. Runs on n8n 1.x too
 * (`npm run test:e2e:n8n-v1`).
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import type { N8nInstall, RunItem } from '../../scripts/lib/localN8n';
import {
	activateWorkflow,
	findRepoDir,
	getFreePort,
	importCredential,
	importWorkflow,
	prepareTestN8n,
	startN8nServer,
	stopN8nServer,
} from '../../scripts/lib/localN8n';
import { N8nRestClient } from '../../scripts/lib/n8nRest';
import type { ExecutionSummary } from '../../scripts/lib/n8nRest';
import { signCallback } from '../../nodes/WaveSpeed/webhooks/signature';
import { startFakeWaveSpeed } from '../support/fakeWaveSpeed';
import type { FakeWaveSpeed } from '../support/fakeWaveSpeed';
import { waitFor } from '../support/waitFor';

const CREDENTIAL = { id: 'e2eTriggerCred', name: 'WaveSpeed (local test server)' };
const WEBHOOK_ID = '5d0c6f7e-8a9b-4c1d-9e2f-3a4b5c6d7e8f';
const EXAMPLE_ID = 'wavespeedTriggerFileResults';
const TRIGGER_NAME = 'WaveSpeed Trigger';

const WORKFLOW = {
	id: 'e2eWaveSpeedTrigger',
	name: 'WaveSpeed Trigger: file each finished task',
	active: false,
	settings: { executionOrder: 'v1' },
	connections: { [TRIGGER_NAME]: { main: [[{ node: 'Done', type: 'main', index: 0 }]] } },
	nodes: [
		{
			id: 't1',
			name: TRIGGER_NAME,
			type: 'n8n-nodes-wavespeed-models.waveSpeedTrigger',
			typeVersion: 1,
			position: [0, 0],
			webhookId: WEBHOOK_ID,
			parameters: { options: {} },
			credentials: { waveSpeedAiApi: CREDENTIAL },
		},
		{ id: 't2', name: 'Done', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [220, 0], parameters: {} },
	],
};

/** The Trigger example as shipped, writing into the test's folder, with the test credential. */
function loadExample(workDir: string) {
	const file = join(findRepoDir(__dirname), 'examples', 'file-each-finished-task-trigger.workflow.json');
	const example = JSON.parse(readFileSync(file, 'utf8')) as { id: string; nodes: Array<Record<string, unknown> & { parameters: Record<string, unknown> }> };
	expect(example.id).toBe(EXAMPLE_ID);
	for (const node of example.nodes) {
		if (node.credentials) node.credentials = { waveSpeedAiApi: CREDENTIAL };
		if (typeof node.parameters.fileName === 'string') node.parameters.fileName = node.parameters.fileName.replace('/home/node/.n8n-files', workDir);
	}
	return example;
}

describe('in a real n8n server, the WaveSpeed Trigger', () => {
	let install: N8nInstall;
	let workDir: string;
	let fake: FakeWaveSpeed;
	let server: ChildProcess | undefined;
	let rest: N8nRestClient;
	let triggerUrl: string;
	let exampleTriggerUrl: string;
	let log = '';

	beforeAll(async () => {
		const prepared = await prepareTestN8n(findRepoDir(__dirname), 'wavespeed-e2e-trigger-');
		({ install, workDir } = prepared);
		fake = await startFakeWaveSpeed({ inferenceMs: 300 });
		const port = await getFreePort();
		const baseUrl = `http://127.0.0.1:${port}`;
		const env = { ...prepared.env, N8N_PORT: String(port), N8N_LISTEN_ADDRESS: '127.0.0.1', WEBHOOK_URL: `${baseUrl}/` };
		await importCredential(install, env, { ...CREDENTIAL, apiKey: fake.options.apiKey, baseUrl: fake.url }, workDir);
		await importWorkflow(install, env, WORKFLOW, workDir);
		await activateWorkflow(install, env, WORKFLOW.id);
		const example = loadExample(workDir);
		await importWorkflow(install, env, example, workDir);
		await activateWorkflow(install, env, EXAMPLE_ID);
		server = await startN8nServer(install, env, port, (text) => (log += text));
		rest = new N8nRestClient(baseUrl);
		await rest.setUpOwner();
		// The production URL n8n gives the Trigger (WEBHOOK_URL + webhook/<webhookId>/<path>). n8n registers the
		// webhooks of active workflows shortly after it reports ready: 404 until then (401 after: no body to verify).
		triggerUrl = `${baseUrl}/webhook/${WEBHOOK_ID}/webhook`;
		exampleTriggerUrl = `${baseUrl}/webhook/${String(example.nodes[0].webhookId)}/webhook`;
		for (const url of [triggerUrl, exampleTriggerUrl]) {
			await waitFor(`the webhook ${url}`, async () => ((await fetch(url, { method: 'POST' })).status === 404 ? undefined : true));
		}
	}, 15 * 60_000);

	afterAll(async () => {
		if (server) await stopN8nServer(server);
		await fake?.close();
		if (workDir) rmSync(workDir, { recursive: true, force: true });
	}, 60_000);

	/** Submits an edit to the local server as the WaveSpeed node's Callback URL option does. */
	async function submit(prompt: string, sku: string, url = triggerUrl): Promise<string> {
		const webhook = `${url}?sku=${sku}`;
		const response = await fetch(`${fake.url}/api/v3/openai/gpt-image-2/edit?webhook=${encodeURIComponent(webhook)}`, {
			method: 'POST',
			headers: { Authorization: `Bearer ${fake.options.apiKey}`, 'Content-Type': 'application/json' },
			body: JSON.stringify({ prompt, images: ['https://images.example.com/chair.png'] }),
		});
		expect(response.status).toBe(200);
		return ((await response.json()) as { data: { id: string } }).data.id;
	}

	/** The prediction WaveSpeed POSTs for a finished task: its result, with the input it was submitted with. */
	async function predictionBody(taskId: string): Promise<string> {
		const result = await waitFor(`task ${taskId} to finish`, async () => {
			const response = await fetch(`${fake.url}/api/v3/predictions/${taskId}/result`, { headers: { Authorization: `Bearer ${fake.options.apiKey}` } });
			const { data } = (await response.json()) as { data: Record<string, unknown> };
			return data.status === 'completed' ? data : undefined;
		});
		return JSON.stringify({ ...result, input: fake.tasks.get(taskId)!.request });
	}

	const executions = async (workflowId = WORKFLOW.id): Promise<ExecutionSummary[]> => await rest.listExecutions(workflowId);
	const finished = async (count: number, workflowId = WORKFLOW.id) =>
		await waitFor(`${count} finished executions of ${workflowId}`, async () => {
			const done = (await executions(workflowId)).filter((execution) => !['new', 'running', 'waiting'].includes(execution.status));
			return done.length >= count ? done : undefined;
		});

	async function triggerOutput(executionId: string): Promise<RunItem[]> {
		const { data } = await rest.getExecution(executionId);
		return data.resultData.runData[TRIGGER_NAME]?.[0]?.data?.main[0] ?? [];
	}

	async function binaryBytes(binary: NonNullable<RunItem['binary']>[string] & { data?: string }): Promise<Buffer> {
		return binary.id ? await rest.readBinary(binary.id) : Buffer.from(binary.data!, 'base64');
	}

	it('a signed callback from a real submit starts exactly one execution with the image as binary data and the sku; its repeat starts none', async () => {
		const taskId = await submit('Put the chair in a sunny room', '123');
		const delivered = await waitFor('the callback', async () => fake.callbacks.sent.find((call) => call.taskId === taskId));
		expect([delivered.status, delivered.url]).toEqual([200, `${triggerUrl}?sku=123`]);

		const [execution] = await finished(1);
		expect(execution.status).toBe('success');
		const [item, ...others] = await triggerOutput(execution.id);
		expect(others).toEqual([]);
		expect(item.json).toMatchObject({ id: taskId, status: 'completed', query: { sku: '123' }, input: { prompt: 'Put the chair in a sunny room' } });
		expect(item.binary?.data).toMatchObject({ mimeType: 'image/png', fileName: `${taskId}.png` });
		const cdn = Buffer.from(await (await fetch(`${fake.url}/cdn/${taskId}/output-0.png`)).arrayBuffer());
		expect((await binaryBytes(item.binary!.data)).equals(cdn)).toBe(true);

		// WaveSpeed delivers the same task again (at least once): acknowledged, nothing started. Counted once a later
		// task's execution has finished, not after a sleep: a run the repeat had started would have begun before it.
		const body = await predictionBody(taskId);
		const repeat = await fake.callbacks.deliver(`${triggerUrl}?sku=123`, body);
		expect(repeat.status).toBe(200);
		expect(repeat.reply).toContain('already reported');
		const laterTaskId = await submit('A table by the window', '124');
		const runs = await finished(2);
		const runTasks = await Promise.all(runs.map(async (run) => (await triggerOutput(run.id)).map((output) => output.json.id)));
		expect(runTasks.sort()).toEqual([[taskId], [laterTaskId]].sort());
		expect((await executions()).length).toBe(2);
	}, 180_000);

	it('a forged and a stale callback get 401 and start nothing; the genuine one for the same task still starts one', async () => {
		const before = (await executions()).length;
		// A task whose own callback is lost: the calls below are the only ones the Trigger sees for it.
		const taskId = await submit('A lamp on a desk [callback:lost]', '456');
		const body = await predictionBody(taskId);
		const url = `${triggerUrl}?sku=456`;

		const timestamp = String(Math.floor(Date.now() / 1000));
		const forged = { 'webhook-id': 'msg_forged', 'webhook-timestamp': timestamp, 'webhook-signature': signCallback('whsec_not_the_account_secret', 'msg_forged', timestamp, body) };
		const refusedForged = await fake.callbacks.deliver(url, body, forged);
		const refusedStale = await fake.callbacks.deliver(url, body, fake.callbacks.sign(body, Math.floor(Date.now() / 1000) - 400));
		expect([refusedForged.status, refusedStale.status]).toEqual([401, 401]);
		expect(refusedForged.reply).toContain('the signature does not match');
		expect(refusedStale.reply).toContain('more than 5 minutes');

		// Counted once the genuine call's run has finished, not after a sleep: a run the refused calls had started
		// would have begun before it.
		const genuine = await fake.callbacks.deliver(url, body);
		expect(genuine.status).toBe(200);
		const done = await finished(before + 1);
		expect((await executions()).length).toBe(before + 1);
		const outputs = await Promise.all(done.map(async (execution) => await triggerOutput(execution.id)));
		const forTask = outputs.filter((items) => items.some((item) => item.json.id === taskId));
		expect(forTask).toHaveLength(1);
		expect(forTask[0]).toHaveLength(1);
		expect(forTask[0][0].json).toMatchObject({ id: taskId, status: 'completed', query: { sku: '456' } });
		// The secret was fetched with the credential, once for all these calls, and never written to n8n's log.
		expect(fake.countRequests('webhookSecret')).toBe(1);
		expect(log).not.toContain(fake.callbacks.secret);
		expect(log).not.toContain(fake.options.apiKey);
	}, 180_000);

	it('runs the example: a completed task\'s image saved as <sku>.png, a failed task sent to Get Result', async () => {
		const savedTask = await submit('A bench in a park', '900', exampleTriggerUrl);
		const failedTask = await submit('Refused [fail]', '901', exampleTriggerUrl);
		const done = await finished(2, EXAMPLE_ID);
		expect(done.map((execution) => execution.status)).toEqual(['success', 'success']);

		const saved = readFileSync(join(workDir, '900.png'));
		const cdn = Buffer.from(await (await fetch(`${fake.url}/cdn/${savedTask}/output-0.png`)).arrayBuffer());
		expect(saved.equals(cdn)).toBe(true);
		const runs = await Promise.all(done.map(async (execution) => (await rest.getExecution(execution.id)).data.resultData.runData));
		const failedRun = runs.find((runData) => runData['Task finished'][0].data?.main[0][0].json.id === failedTask)!;
		expect(Object.keys(failedRun).sort()).toEqual(['Collect again with Get Result', 'Image ready?', 'Task finished']);
	}, 180_000);
});
