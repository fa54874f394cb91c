/**
 * End to end in queue mode, as production n8n runs at scale: Redis, Postgres 17, one main process (REST API and
 * production webhooks; it only queues executions) and two `n8n worker`s that run them, all sharing one user folder
 * with the packed package installed, and n8n's default binary data mode for queue mode (n8n 2.x: the database; n8n
 * 1.x: inside the execution data). Executions come in through a production webhook with image files; the test then
 * reads them as the editor does, through the main process's REST API signed in as the owner. Starting it all
 * (scripts/lib/queueMode.ts) takes about a minute with n8n installed; `N8N_E2E_VERSION=1` runs it on n8n 1.x.
 */

import type { N8nInstall, RunItem } from '../../scripts/lib/localN8n';
import {
	WAVESPEED_NODE_TYPE,
	n8nMajor,
	selectedN8nVersion,
} from '../../scripts/lib/localN8n';
import { N8nRestClient } from '../../scripts/lib/n8nRest';
import type { ExecutionSummary } from '../../scripts/lib/n8nRest';
import type { QueueN8n } from '../../scripts/lib/queueMode';
import type { FakeWaveSpeed } from '../support/fakeWaveSpeed';
import { makePlaceholderPng } from '../support/placeholderPng';
import { useQueueN8n } from '../support/useQueueN8n';
import { waitFor } from '../support/waitFor';

const CREDENTIAL = { id: 'e2eQueueWaveSpeedCred', name: 'WaveSpeed (local test server)' };
const EXECUTIONS = 4;
const IMAGES_PER_EXECUTION = 3;
const WORKER_CONCURRENCY = 2;

// n8n 1.x gives nodes no custom data to keep a wait's task list: there Wait Method "webhook" polls (webhookWait.e2e).
const itOnV2 = selectedN8nVersion().startsWith('1.') ? it.skip : it;

/** Webhook (image files, multipart) → Code (one item per file) → the node; or prompts as items, for the Stop test. */
function webhookWorkflow(id: string, path: string, jsCode: string, parameters: Record<string, unknown>, nodeSettings: Record<string, unknown> = {}) {
	return {
		id,
		name: id,
		active: false,
		settings: { executionOrder: 'v1' },
		connections: {
			Webhook: { main: [[{ node: 'Items', type: 'main', index: 0 }]] },
			Items: { main: [[{ node: 'WaveSpeed', type: 'main', index: 0 }]] },
		},
		nodes: [
			{
				id: 'q1', name: 'Webhook', type: 'n8n-nodes-base.webhook', typeVersion: 2, position: [0, 0], webhookId: path,
				parameters: { path, httpMethod: 'POST', responseMode: 'onReceived' },
			},
			{ id: 'q2', name: 'Items', type: 'n8n-nodes-base.code', typeVersion: 2, position: [200, 0], parameters: { jsCode } },
			{
				id: 'q3', name: 'WaveSpeed', type: WAVESPEED_NODE_TYPE, typeVersion: 1, position: [400, 0],
				parameters: { operation: 'editImage', prompt: '={{ $json.prompt }}', ...parameters },
				credentials: { waveSpeedAiApi: CREDENTIAL },
				...nodeSettings,
			},
		],
	};
}

const BATCH_WORKFLOW = webhookWorkflow(
	'e2eQueueBatch',
	'wavespeed-queue-batch',
	// The files the webhook stored (in the database, by the main process) become one item each, binary field "data".
	`const [item] = $input.all();
return Object.keys(item.binary).sort().map((key) => ({ json: { prompt: 'Studio shot of ' + item.json.body.batch + ' ' + key }, binary: { data: item.binary[key] } }));`,
	{ imageSource: 'binary', binaryProperties: 'data', options: { pollInterval: 0.5, maxConcurrency: IMAGES_PER_EXECUTION } },
);

const STOP_WORKFLOW = webhookWorkflow(
	'e2eQueueStop',
	'wavespeed-queue-stop',
	"return ['first', 'second'].map((name) => ({ json: { prompt: 'Long edit ' + name + ' [inference:120000]' } }));",
	{ imageSource: 'url', imageUrls: 'https://images.example.com/product.png', options: { pollInterval: 0.5 } },
);

// Wait Method "webhook": the worker submits and parks the execution; WaveSpeed's callbacks reach the main process,
// which resumes it on a worker. Three images as items, the same as the batch, with longer tasks so the wait is seen.
const WAIT_WORKFLOW = webhookWorkflow(
	'e2eQueueWebhookWait',
	'wavespeed-queue-webhook-wait',
	`const [item] = $input.all();
return Object.keys(item.binary).sort().map((key, index) => ({ json: { prompt: 'Parked ' + key + ' [inference:' + (3000 + 1000 * index) + ']' }, binary: { data: item.binary[key] } }));`,
	{ imageSource: 'binary', binaryProperties: 'data', options: { waitMethod: 'webhook', maxConcurrency: IMAGES_PER_EXECUTION } },
	// A waiting node resumes only into items: it waits by webhook under "Continue", else it polls (docs/wait-by-webhook-and-trigger.md).
	{ onError: 'continueRegularOutput' },
);

const inputImage = (batch: number, index: number) => makePlaceholderPng({ seed: `batch ${batch} image ${index}`, width: 24 + batch, height: 16 + index });

/** The executions each worker ran, from its log ("Worker started execution <id> (job <n>)"). */
function executionsRunBy(queue: QueueN8n): string[][] {
	return queue.workers.map((worker) => [...worker.output().matchAll(/Worker started execution (\d+)/g)].map((match) => match[1]));
}

describe('in n8n queue mode: main process, two workers, Redis, Postgres, the default binary data mode', () => {
	let install: N8nInstall;
	let fake: FakeWaveSpeed;
	let queue: QueueN8n | undefined;
	let rest: N8nRestClient;
	useQueueN8n(
		{
			prefix: 'wavespeed-e2e-queue-',
			fakeOptions: { inferenceMs: 1500 },
			credential: CREDENTIAL,
			workflows: [BATCH_WORKFLOW, STOP_WORKFLOW, WAIT_WORKFLOW],
			workerCount: 2,
			concurrency: WORKER_CONCURRENCY,
		},
		(stack) => ({ install, fake, queue, rest } = stack),
	);

	afterEach(() => fake?.reset());

	/** POSTs to a production webhook of the main process; n8n registers them shortly after it reports ready. */
	async function callWebhook(path: string, body: FormData | undefined): Promise<void> {
		await waitFor(`the webhook ${path}`, async () => {
			const response = await fetch(`${queue!.mainUrl}/webhook/${path}`, { method: 'POST', body });
			if (response.status === 404) return undefined;
			expect([response.status, await response.text()]).toEqual([200, expect.any(String)]);
			return true;
		}, 30_000);
	}

	async function finishedExecutions(workflowId: string, count: number): Promise<ExecutionSummary[]> {
		return await waitFor(`${count} finished executions of ${workflowId}`, async () => {
			const executions = await rest.listExecutions(workflowId);
			const done = executions.filter((execution) => !['new', 'running', 'waiting'].includes(execution.status));
			return done.length >= count ? done : undefined;
		});
	}

	it(`${EXECUTIONS} webhook executions of ${IMAGES_PER_EXECUTION} images each: every item has its image, readable from the main process; one task per item; both workers worked`, async () => {
		await Promise.all(
			Array.from({ length: EXECUTIONS }, async (_, batch) => {
				const form = new FormData();
				form.append('batch', `batch-${batch}`);
				for (let index = 0; index < IMAGES_PER_EXECUTION; index++) {
					form.append(`image${index}`, new Blob([inputImage(batch, index)], { type: 'image/png' }), `batch-${batch}-${index}.png`);
				}
				await callWebhook('wavespeed-queue-batch', form);
			}),
		);
		const executions = await finishedExecutions(BATCH_WORKFLOW.id, EXECUTIONS);

		expect(executions.map((execution) => execution.status)).toEqual(Array(EXECUTIONS).fill('success'));
		const items: RunItem[] = [];
		for (const { id } of executions) {
			const { data } = await rest.getExecution(id);
			const output = data.resultData.runData.WaveSpeed[0].data!.main[0];
			expect(output.map((item) => [item.json.status, item.pairedItem])).toEqual(
				Array.from({ length: IMAGES_PER_EXECUTION }, (_, item) => ['completed', { item }]),
			);
			items.push(...output);
		}
		// No task paid twice: one submit per item, and every prompt (batch × file) submitted exactly once.
		const total = EXECUTIONS * IMAGES_PER_EXECUTION;
		expect(fake.countRequests('submit')).toBe(total);
		const prompts = [...fake.tasks.values()].map((task) => String(task.request.prompt)).sort();
		const expected = Array.from({ length: EXECUTIONS }, (_, batch) =>
			Array.from({ length: IMAGES_PER_EXECUTION }, (__, index) => `Studio shot of batch-${batch} image${index}`),
		).flat();
		expect(prompts).toEqual(expected.sort());
		// Each input the main process stored was read by a worker and uploaded once, byte for byte.
		const uploaded = fake.requests.filter((request) => request.route === 'put').map((request) => request.bodyBytes);
		const inputs = Array.from({ length: EXECUTIONS }, (_, batch) => Array.from({ length: IMAGES_PER_EXECUTION }, (__, index) => inputImage(batch, index).length)).flat();
		expect(uploaded.sort()).toEqual(inputs.sort());

		// n8n 2.x: the output images sit in the database (a worker wrote them) and the main process serves them to the
		// editor. n8n 1.x's default mode in queue mode keeps them inside the execution data the main process sent.
		const inDatabase = n8nMajor(install) >= 2;
		for (const item of items) {
			const binary = item.binary!.data as NonNullable<RunItem['binary']>[string] & { data?: string };
			expect(binary).toMatchObject({ mimeType: 'image/png', fileName: `${String(item.json.id)}.png` });
			expect(binary.id ?? 'inline').toMatch(inDatabase ? /^database:/ : /^inline$/);
			const served = inDatabase ? await rest.readBinary(binary.id!) : Buffer.from(binary.data!, 'base64');
			const original = Buffer.from(await (await fetch(`${fake.url}/cdn/${String(item.json.id)}/output-0.png`)).arrayBuffer());
			expect(served.equals(original)).toBe(true);
		}

		// Both workers ran some of the executions, and together all of them.
		const byWorker = executionsRunBy(queue!);
		expect(byWorker.map((ids) => ids.filter((id) => executions.some((execution) => execution.id === id)).length > 0)).toEqual([true, true]);
		expect(new Set(byWorker.flat())).toEqual(new Set(executions.map((execution) => execution.id)));
	}, 300_000);

	itOnV2('Wait Method "webhook": the execution waits holding no worker, the callbacks reach the main process, and a worker finishes it with every image', async () => {
		const form = new FormData();
		for (let index = 0; index < IMAGES_PER_EXECUTION; index++) {
			form.append(`image${index}`, new Blob([inputImage(9, index)], { type: 'image/png' }), `parked-${index}.png`);
		}
		await callWebhook('wavespeed-queue-webhook-wait', form);
		const waiting = await waitFor('the execution to wait', async () => {
			const [execution] = await rest.listExecutions(WAIT_WORKFLOW.id);
			// One that ended without waiting polled instead: its items say why (waitNote).
			if (execution && !['new', 'running', 'waiting'].includes(execution.status)) {
				const { data } = await rest.getExecution(execution.id);
				expect(data.resultData.runData.WaveSpeed?.[0].data?.main[0].map((item) => item.json)).toEqual('an execution that waits');
			}
			return execution?.status === 'waiting' ? execution : undefined;
		}, 60_000);
		// Every task was submitted with the main process's resume URL (WEBHOOK_URL), and none is polled: one read before
		// the wait (is the newest task still running?), then reads only when a callback comes.
		expect([...fake.tasks.values()].map((task) => task.webhookUrl?.startsWith(`${queue!.mainUrl}/webhook-waiting/${waiting.id}`))).toEqual(
			Array(IMAGES_PER_EXECUTION).fill(true),
		);
		const firstEndMs = Math.min(...[...fake.tasks.values()].map((task) => task.completeAtMs));
		expect(fake.requests.filter((request) => request.route === 'result' && request.atMs < firstEndMs)).toHaveLength(1);

		const [done] = await finishedExecutions(WAIT_WORKFLOW.id, 1);
		expect([done.id, done.status]).toEqual([waiting.id, 'success']);
		const { data } = await rest.getExecution(done.id);
		const output = data.resultData.runData.WaveSpeed[0].data!.main[0];
		expect(output.map((item) => [item.json.status, item.pairedItem, item.binary?.data?.mimeType])).toEqual(
			Array.from({ length: IMAGES_PER_EXECUTION }, (_, item) => ['completed', { item }, 'image/png']),
		);
		for (const item of output) {
			const served = await rest.readBinary(item.binary!.data.id!);
			const original = Buffer.from(await (await fetch(`${fake.url}/cdn/${String(item.json.id)}/output-0.png`)).arrayBuffer());
			expect(served.equals(original)).toBe(true);
		}
		expect(fake.countRequests('submit')).toBe(IMAGES_PER_EXECUTION);
		// The last task's callback resumed it: answered 200 by the main process.
		expect(fake.callbacks.sent.filter((call) => call.status === 200)).not.toHaveLength(0);
		// A worker ran it before the wait, and a worker ran it again after (n8n logs each start).
		expect(executionsRunBy(queue!).flat().filter((id) => id === done.id).length).toBeGreaterThanOrEqual(2);
	}, 300_000);

	it('Stop in the editor (the main process) ends the polling on the worker; the worker logs the paid task ids', async () => {
		await callWebhook('wavespeed-queue-stop', undefined);
		const running = await waitFor('the execution to poll both tasks', async () => {
			const [execution] = (await rest.listExecutions(STOP_WORKFLOW.id)).filter((summary) => summary.status === 'running');
			const polled = [...fake.tasks.keys()].filter((id) => fake.requests.some((request) => request.route === 'result' && request.path.includes(id)));
			return execution && polled.length === 2 ? execution : undefined;
		}, 60_000);

		await rest.stopExecution(running.id);
		// No timed bound: the worker writes these warnings once the node's last item has ended (it polls no more after
		// them), and its tasks run for 120 s, beyond this wait: only a Stop that reached the worker ends the polling in time.
		await waitFor('the worker to log both paid tasks as left behind by the Stop', async () => {
			const output = queue!.workers.map((worker) => worker.output()).join('\n');
			return [...fake.tasks.keys()].every((taskId) => output.includes(`WaveSpeed task ${taskId}`)) ? true : undefined;
		}, 60_000);
		expect([...fake.tasks.values()].every((task) => Date.now() < task.completeAtMs)).toBe(true);
		expect((await rest.getExecution(running.id)).status).toBe('canceled');
		expect(fake.countRequests('submit')).toBe(2);
		const worker = queue!.workers[executionsRunBy(queue!).findIndex((ids) => ids.includes(running.id))];
		for (const taskId of fake.tasks.keys()) {
			const warning = worker.output().split('\n').find((line) => line.includes(`WaveSpeed task ${taskId}`));
			expect(warning).toContain(`workflow ${STOP_WORKFLOW.id}, execution ${running.id}`);
			expect(warning).toContain('because the execution was stopped: collect it with Get Result');
		}
	}, 180_000);
});
