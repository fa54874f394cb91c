/**
 * Issue 28 end to end in n8n 1.123.81 in regular mode (`n8n start`, SQLite): n8n is killed (SIGKILL) while the node
 * waits for the paid tasks of two 4-item batches, then started again; n8n marks both executions crashed. n8n's Retry
 * of one crashed execution (`POST /rest/executions/:id/retry`, the executions list's button) and, for the other batch,
 * the same workflow run again on the same input each deliver the 4 paid results, `recovered: true`, with the id of the
 * execution that paid, and pay for no new task. Default node settings (Wait Method poll), against the local WaveSpeed
 * server. Run by `npm run test:e2e:n8n-v1` (N8N_E2E_VERSION=1); on n8n 2.x, queue mode is covered by
 * crashRecovery.e2e.test.ts, and this file is skipped.
 */
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

import type { RunItem } from '../../scripts/lib/localN8n';
import {
	activateWorkflow,
	findRepoDir,
	getFreePort,
	getNodeOutput,
	importCredential,
	importWorkflow,
	prepareTestN8n,
	selectedN8nVersion,
	startN8nServer,
	stopN8nServer,
} from '../../scripts/lib/localN8n';
import { N8nRestClient } from '../../scripts/lib/n8nRest';
import type { ExecutionSummary } from '../../scripts/lib/n8nRest';
import { killN8nProcess } from '../../scripts/lib/queueMode';
import { crashBatchWorkflow } from '../support/crashBatchWorkflow';
import { startFakeWaveSpeed } from '../support/fakeWaveSpeed';
import { makePlaceholderPng } from '../support/placeholderPng';
import type { TestN8nWithFake } from '../support/useTestN8n';
import { waitFor } from '../support/waitFor';

const ITEMS = 4;
/** Longer than the kill and n8n's restart take: the tasks are still running when the crashed batches are run again. */
const TASK_MS = 20_000;

const batchWorkflow = (credential: { id: string; name: string }, id: string) => crashBatchWorkflow(credential, id, TASK_MS);

const describeOnV1 = selectedN8nVersion().startsWith('1.') ? describe : describe.skip;

describeOnV1('undelivered results after n8n crashed in regular mode (issue 28, n8n 1.x): Retry and a re-run recover them', () => {
	// Set up here rather than with useTestN8n, which clears the local server's tasks after each test: both tests read
	// the tasks the crashed batches paid for.
	let n8n: TestN8nWithFake;

	let server: ChildProcess | undefined;
	let rest: N8nRestClient;
	let port = 0;
	let log = '';
	let env: NodeJS.ProcessEnv;
	const crashed: Record<'retried' | 'rerun', { workflowId: string; executionId: string; paid: Map<string, string> }> = {} as never;

	function tasksOf(batch: string): Map<string, string> {
		const tasks = [...n8n.fake.tasks.values()].filter((task) => String(task.request.prompt).startsWith(`${batch} `));
		return new Map(tasks.map((task) => [String(task.request.prompt), task.id]));
	}

	async function start(): Promise<void> {
		server = await startN8nServer(n8n.install, env, port, (text) => (log += text));
		rest = new N8nRestClient(`http://127.0.0.1:${port}`);
		await rest.setUpOwner();
	}

	async function trigger(path: string, body: object): Promise<void> {
		await waitFor(`the webhook ${path}`, async () => {
			const response = await fetch(`http://127.0.0.1:${port}/webhook/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
			if (response.status === 404) return undefined;
			expect([response.status, response.ok ? '' : log.slice(-3000)]).toEqual([200, '']);
			return true;
		}, 30_000);
	}

	async function executionsOf(workflowId: string, count: number, wanted: (execution: ExecutionSummary) => boolean): Promise<ExecutionSummary[]> {
		return await waitFor(`${count} executions of ${workflowId}`, async () => {
			const executions = (await rest.listExecutions(workflowId)).filter(wanted);
			return executions.length >= count ? executions.sort((a, b) => Number(a.id) - Number(b.id)) : undefined;
		}, 180_000);
	}

	/** The node's output items with each image's bytes, and whether those are the image the local server rendered for the item's task. */
	async function outputOf(executionId: string): Promise<Array<RunItem & { imageIsTheTasks: boolean }>> {
		const execution = await rest.getExecution(executionId);
		const items = getNodeOutput({ status: execution.status, data: execution.data }, 'WaveSpeed');
		const { outputWidth: width, outputHeight: height } = n8n.fake.options;
		return await Promise.all(
			items.map(async (item) => ({
				...item,
				imageIsTheTasks: (await imageBytes(item)).equals(makePlaceholderPng({ width, height, seed: `${String(item.json.id)}/0` })),
			})),
		);
	}

	/** n8n 1.x's default binary mode keeps the bytes in the execution data (base64); other modes give an id to read. */
	async function imageBytes(item: RunItem): Promise<Buffer> {
		const binary = item.binary?.data as (NonNullable<RunItem['binary']>[string] & { data?: string }) | undefined;
		return binary?.id ? await rest.readBinary(binary.id) : Buffer.from(binary?.data ?? '', 'base64');
	}

	beforeAll(async () => {
		const prepared = await prepareTestN8n(findRepoDir(__dirname), 'wavespeed-e2e-crash-restart-');
		const credential = { id: 'e2eCrashRestartCred', name: 'WaveSpeed (local test server)' };
		n8n = { ...prepared, fake: await startFakeWaveSpeed({ inferenceMs: 1000 }), credential };
		await importCredential(n8n.install, n8n.env, { ...credential, apiKey: n8n.fake.options.apiKey, baseUrl: n8n.fake.url }, n8n.workDir);
		port = await getFreePort();
		env = { ...n8n.env, N8N_PORT: String(port) };
		const workflows = { retried: batchWorkflow(n8n.credential, 'e2eCrashRestartRetry'), rerun: batchWorkflow(n8n.credential, 'e2eCrashRestartRerun') };
		for (const workflow of Object.values(workflows)) {
			await importWorkflow(n8n.install, env, workflow, n8n.workDir);
			await activateWorkflow(n8n.install, env, workflow.id);
		}
		await start();
		// Two batches at once; n8n is killed once each item polls its task (it polls only after the task is recorded).
		await Promise.all(Object.entries(workflows).map(async ([batch, workflow]) => await trigger(workflow.id, { batch })));
		await waitFor(`${2 * ITEMS} tasks polled`, async () => {
			const ids = [...tasksOf('retried').values(), ...tasksOf('rerun').values()];
			const polled = ids.filter((id) => n8n.fake.requests.some((request) => request.route === 'result' && request.path.includes(id)));
			return polled.length === 2 * ITEMS ? true : undefined;
		});
		const running = await Promise.all(Object.values(workflows).map(async (workflow) => (await executionsOf(workflow.id, 1, (execution) => execution.status === 'running'))[0]));
		await killN8nProcess(server!, 'SIGKILL');
		expect(n8n.fake.countRequests('download')).toBe(0);
		await start();
		for (const [index, batch] of (['retried', 'rerun'] as const).entries()) {
			const [ended] = await executionsOf(workflows[batch].id, 1, (execution) => !['new', 'running', 'waiting'].includes(execution.status));
			expect([ended.id, ended.status]).toEqual([running[index].id, 'crashed']);
			crashed[batch] = { workflowId: workflows[batch].id, executionId: ended.id, paid: tasksOf(batch) };
		}
	}, 600_000);

	afterAll(async () => {
		if (server) await stopN8nServer(server);
		await n8n?.fake.close();
		if (n8n?.workDir) rmSync(n8n.workDir, { recursive: true, force: true });
	});

	it('Retry of the crashed execution delivers its 4 paid images, recovered; no new task', async () => {
		const { executionId, paid } = crashed.retried;
		expect(paid.size).toBe(ITEMS);
		const submitsBefore = n8n.fake.countRequests('submit');
		const signedIn = rest as unknown as { json(method: string, path: string, body?: unknown): Promise<{ id: string | number; status: string }> };
		const retried = await signedIn.json('POST', `/rest/executions/${executionId}/retry`, { loadWorkflow: false });
		expect(retried.status).toBe('success');
		expect(n8n.fake.countRequests('submit')).toBe(submitsBefore);
		const output = await outputOf(String(retried.id));
		expect(output.map((item) => [item.json.recovered, item.json.recoveredFromExecution, item.imageIsTheTasks])).toEqual(Array(ITEMS).fill([true, executionId, true]));
		expect(new Set(output.map((item) => item.json.id))).toEqual(new Set(paid.values()));
	}, 300_000);

	it('the same workflow run again on the same input (a fresh batch) delivers its 4 paid images, recovered; no new task', async () => {
		const { workflowId, executionId, paid } = crashed.rerun;
		const submitsBefore = n8n.fake.countRequests('submit');
		await trigger(workflowId, { batch: 'rerun' });
		const [, rerun] = await executionsOf(workflowId, 2, (execution) => !['new', 'running', 'waiting'].includes(execution.status));
		expect(rerun.status).toBe('success');
		expect(n8n.fake.countRequests('submit')).toBe(submitsBefore);
		expect(tasksOf('rerun')).toEqual(paid);
		const output = await outputOf(rerun.id);
		expect(output.map((item) => [item.json.recovered, item.json.recoveredFromExecution, item.imageIsTheTasks])).toEqual(Array(ITEMS).fill([true, executionId, true]));
		const prompts = Array.from({ length: ITEMS }, (_, index) => `rerun product ${index + 1} [inference:${TASK_MS}]`);
		expect(output.map((item) => item.json.id)).toEqual(prompts.map((prompt) => paid.get(prompt)));
	}, 300_000);
});
