/**
 * Idempotency Key in a real n8n 2.40.7 (or `N8N_E2E_VERSION=1`: 1.123) with its database-backed deduplication store:
 * the same workflow executed twice with `n8n execute` pays once; a failed execution retried through n8n's REST API
 * (`POST /rest/executions/:id/retry`, as the executions list's Retry buttons do, with the execution's own copy of the
 * workflow and with the current one) pays nothing more: tasks = items; in queue mode (Redis, Postgres, two workers), an
 * execution on the second worker picks up the task the first worker is waiting for. Against the local WaveSpeed server.
 */
import type { ChildProcess } from 'node:child_process';

import type { RunRecord } from '../../scripts/lib/localN8n';
import {
	WAVESPEED_NODE_TYPE,
	activateWorkflow,
	executeWorkflow,
	getFreePort,
	getNodeOutput,
	importWorkflow,
	startN8nServer,
	stopN8nServer,
} from '../../scripts/lib/localN8n';
import { N8nRestClient } from '../../scripts/lib/n8nRest';
import type { QueueN8n } from '../../scripts/lib/queueMode';
import type { FakeWaveSpeed } from '../support/fakeWaveSpeed';
import { makePlaceholderPng } from '../support/placeholderPng';
import { waitFor } from '../support/waitFor';
import type { TestN8nWithFake } from '../support/useTestN8n';
import { useTestN8n } from '../support/useTestN8n';
import { useQueueN8n } from '../support/useQueueN8n';

const sleep = async (ms: number) => await new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The executions list's Retry buttons: `POST /rest/executions/:id/retry`, answered when the retry has ended. The shared
 * REST client (it sets the owner up on n8n 1.x and 2.x alike) has no method for it; its signed-in call is used as is.
 */
async function retryExecution(rest: N8nRestClient, executionId: string, loadWorkflow: boolean): Promise<{ id: string; status: string }> {
	const signedIn = rest as unknown as { json(method: string, path: string, body?: unknown): Promise<{ id: string | number; status: string }> };
	const retried = await signedIn.json('POST', `/rest/executions/${executionId}/retry`, { loadWorkflow });
	return { id: String(retried.id), status: retried.status };
}

/**
 * Trigger → Code (the items, each with a `sku`; for `'body'`, the one item the webhook was sent; for `'bodyItems'`, the
 * webhook's `items` list) → WaveSpeed Edit Image keyed by `{{ $json.sku }}`.
 */
function keyedWorkflow(credential: { id: string; name: string }, id: string, items: object[] | 'body' | 'bodyItems', trigger: 'manual' | 'webhook') {
	const bodyCode: Record<string, string> = {
		body: 'return [{ json: $input.first().json.body }];',
		bodyItems: 'return $input.first().json.body.items.map((json) => ({ json }));',
	};
	const start =
		trigger === 'manual'
			? { id: `${id}-1`, name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} }
			: {
					id: `${id}-1`, name: 'Start', type: 'n8n-nodes-base.webhook', typeVersion: 2, position: [0, 0], webhookId: id,
					parameters: { path: id, httpMethod: 'POST', responseMode: 'onReceived' },
				};
	return {
		id,
		name: id,
		active: false,
		settings: { executionOrder: 'v1', saveDataSuccessExecution: 'all', saveDataErrorExecution: 'all' },
		connections: {
			Start: { main: [[{ node: 'Items', type: 'main', index: 0 }]] },
			Items: { main: [[{ node: 'WaveSpeed', type: 'main', index: 0 }]] },
		},
		nodes: [
			start,
			{
				id: `${id}-2`, name: 'Items', type: 'n8n-nodes-base.code', typeVersion: 2, position: [200, 0],
				parameters: {
					jsCode: typeof items === 'string' ? bodyCode[items] : `return ${JSON.stringify(items)}.map((json) => ({ json }));`,
				},
			},
			{
				id: `${id}-3`, name: 'WaveSpeed', type: WAVESPEED_NODE_TYPE, typeVersion: 1, position: [400, 0],
				parameters: {
					operation: 'editImage',
					prompt: '={{ $json.p }}',
					imageSource: 'url',
					imageUrls: 'https://images.example.com/product.png',
					options: { pollInterval: 0.5, idempotencyKey: '={{ $json.sku }}' },
				},
				credentials: { waveSpeedAiApi: credential },
			},
		],
	};
}

const ITEMS = [
	{ sku: 'mug-1', p: 'a mug on marble' },
	{ sku: 'lamp-2', p: 'a lamp on oak' },
	{ sku: 'vase-3', p: 'a vase on linen' },
];

describe('Idempotency Key, in a real n8n', () => {
	let n8n: TestN8nWithFake;
	useTestN8n('wavespeed-e2e-idempotency', { inferenceMs: 300 }, (setup) => (n8n = setup));

	it('the same workflow executed twice with the same keys pays once; the second execution gets the results again', async () => {
		const { install, env, workDir, fake } = n8n;
		const workflow = keyedWorkflow(n8n.credential, 'e2eIdemExecute', ITEMS.slice(0, 2), 'manual');
		await importWorkflow(install, env, workflow, workDir);
		const records: RunRecord[] = [];
		// Two executions of the saved workflow, through the suite's n8n server (as the editor runs it).
		for (let run = 0; run < 2; run++) records.push(await executeWorkflow(install, env, workflow.id));

		expect(records.map((record) => [record.status, record.data.resultData.error?.message])).toEqual([
			['success', undefined],
			['success', undefined],
		]);
		// Before: 4 tasks.
		expect(fake.tasks.size).toBe(2);
		expect(fake.countRequests('submit')).toBe(2);
		const [first, second] = records.map((record) => getNodeOutput(record, 'WaveSpeed'));
		expect(second.map((item) => [item.json.id, item.json.reused])).toEqual(first.map((item) => [item.json.id, true]));
		expect(second.map((item) => item.binary?.data?.mimeType)).toEqual(['image/png', 'image/png']);
	}, 300_000);

	describe('n8n\'s Retry of a failed execution (n8n start, REST API as the signed-in owner)', () => {
		let server: ChildProcess | undefined;
		let rest: N8nRestClient;
		let port = 0;
		let log = '';
		let workflows: Record<'original' | 'current', ReturnType<typeof keyedWorkflow>>;

		beforeAll(async () => {
			const { install, workDir } = n8n;
			port = await getFreePort();
			const env = { ...n8n.env, N8N_PORT: String(port) };
			workflows = {
				original: keyedWorkflow(n8n.credential, 'e2eIdemRetryOriginal', ITEMS, 'webhook'),
				current: keyedWorkflow(n8n.credential, 'e2eIdemRetryCurrent', ITEMS, 'webhook'),
			};
			for (const workflow of Object.values(workflows)) {
				await importWorkflow(install, env, workflow, workDir);
				await activateWorkflow(install, env, workflow.id);
			}
			server = await startN8nServer(install, env, port, (text) => (log += text));
			rest = new N8nRestClient(`http://127.0.0.1:${port}`);
			await rest.setUpOwner();
		}, 600_000);

		afterAll(async () => {
			if (server) await stopN8nServer(server);
		});

		async function trigger(path: string): Promise<void> {
			let response = await fetch(`http://127.0.0.1:${port}/webhook/${path}`, { method: 'POST' });
			// n8n registers the webhooks of published workflows shortly after it reports ready.
			for (const endMs = Date.now() + 30_000; response.status === 404 && Date.now() < endMs; await sleep(500)) {
				response = await fetch(`http://127.0.0.1:${port}/webhook/${path}`, { method: 'POST' });
			}
			expect([response.status, response.ok ? '' : log.slice(-3000)]).toEqual([200, '']);
		}

		async function waitForFailedExecution(workflowId: string): Promise<string> {
			let seen = '';
			for (const endMs = Date.now() + 60_000; Date.now() < endMs; await sleep(500)) {
				const executions = await rest.listExecutions(workflowId);
				seen = executions.map((execution) => execution.status).join(', ');
				const failed = executions.find((execution) => execution.status === 'error');
				if (failed) return failed.id;
			}
			throw new Error(`No failed execution of ${workflowId} (seen: ${seen || 'none'})\n${log.slice(-3000)}`);
		}

		it.each([
			['the execution\'s own copy of the workflow', 'original', false],
			['the current workflow', 'current', true],
		] as const)('retried with %s: the retry gets every task again and pays for none (tasks = items)', async (_label, which, loadWorkflow) => {
			const { fake } = n8n;
			const workflow = workflows[which];
			// One output download fails (404, not retried): the node fails after all three tasks were paid for.
			fake.faults.push({ route: 'download', kind: 'status', status: 404, times: 1 });
			await trigger(workflow.id);
			const failedId = await waitForFailedExecution(workflow.id);
			expect(fake.tasks.size).toBe(ITEMS.length);

			const retried = await retryExecution(rest, failedId, loadWorkflow);
			expect(retried.status).toBe('success');
			// Before: 6 tasks, 6 submits (the retry runs the node again and paid for every item anew).
			expect(fake.tasks.size).toBe(ITEMS.length);
			expect(fake.countRequests('submit')).toBe(ITEMS.length);

			const execution = await rest.getExecution(retried.id);
			const output = getNodeOutput({ status: execution.status, data: execution.data }, 'WaveSpeed');
			expect(output.map((item) => item.json.reused)).toEqual([true, true, true]);
			expect(new Set(output.map((item) => item.json.id))).toEqual(new Set(fake.tasks.keys()));
		}, 300_000);
	});
});

describe('Idempotency Key in n8n queue mode: main process, two workers (one execution each at a time), Redis, Postgres', () => {
	const credential = { id: 'e2eIdemQueueCred', name: 'WaveSpeed (local test server)' };
	const workflow = keyedWorkflow(credential, 'e2eIdemQueue', 'body', 'webhook');
	const batchWorkflow = keyedWorkflow(credential, 'e2eIdemQueueBatch', 'bodyItems', 'webhook');
	let fake: FakeWaveSpeed;
	let queue: QueueN8n | undefined;
	let rest: N8nRestClient;
	useQueueN8n(
		{ prefix: 'wavespeed-e2e-idempotency-queue-', fakeOptions: { inferenceMs: 300 }, credential, workflows: [workflow, batchWorkflow], workerCount: 2, concurrency: 1 },
		(stack) => ({ fake, queue, rest } = stack),
	);

	async function callWebhook(body: object, path = workflow.id): Promise<void> {
		await waitFor('the production webhook', async () => {
			const response = await fetch(`${queue!.mainUrl}/webhook/${path}`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify(body),
			});
			if (response.status === 404) return undefined;
			expect(response.status).toBe(200);
			return true;
		}, 30_000);
	}

	it('the same key on the second worker, while the first worker waits for its task: one task, picked up', async () => {
		const body = { sku: 'queue-sku', p: 'queued product [inference:6000]' };
		await callWebhook(body);
		// The first execution polls its task only once its key is in the database.
		await waitFor('the first execution polling its task', async () => (fake.countRequests('result') > 0 ? true : undefined), 60_000);
		await callWebhook(body);
		const executions = await waitFor('two finished executions', async () => {
			const all = await rest.listExecutions(workflow.id);
			const done = all.filter((execution) => !['new', 'running', 'waiting'].includes(execution.status));
			return done.length >= 2 ? done : undefined;
		});

		expect(executions.map((execution) => execution.status)).toEqual(['success', 'success']);
		// Before: 2 tasks, one per worker.
		expect(fake.tasks.size).toBe(1);
		expect(fake.countRequests('submit')).toBe(1);
		const [taskId] = fake.tasks.keys();
		const outputs = await Promise.all(
			executions.map(async (execution) => getNodeOutput({ status: execution.status, data: (await rest.getExecution(execution.id)).data }, 'WaveSpeed')[0]),
		);
		expect(outputs.map((item) => [item.json.id, item.json.reused ?? false]).sort()).toEqual([
			[taskId, false],
			[taskId, true],
		]);
		// Each worker runs one execution at a time, and the first was busy: the two ran on different workers.
		const ranBy = queue!.workers.map((worker) => [...worker.output().matchAll(/Worker started execution (\d+)/g)].map((match) => match[1]));
		expect(ranBy.map((ids) => ids.length).sort()).toEqual([1, 1]);
	}, 300_000);

	it('two executions at once on two workers, each with its own keys, then both again: every item gets its own key\'s task and image, never the other\'s; 6 tasks', async () => {
		fake.reset();
		const batches = ['A', 'B'].map((batch) => ({
			batch,
			// Tasks of 3 s: the first two executions overlap, so each worker (one execution at a time) takes one.
			items: [1, 2, 3].map((n) => ({ sku: `${batch}-${n}`, p: `batch ${batch} product ${n} [inference:3000]` })),
		}));
		const startedBefore = queue!.workers.map((worker) => [...worker.output().matchAll(/Worker started execution (\d+)/g)].length);
		const rounds: Array<Array<{ id: string }>> = [];
		for (let round = 0; round < 2; round++) {
			const seen = new Set(rounds.flat().map((execution) => execution.id));
			await Promise.all(batches.map(async ({ items }) => await callWebhook({ items }, batchWorkflow.id)));
			const ended = await waitFor(`round ${round + 1}: two finished executions`, async () => {
				const all = (await rest.listExecutions(batchWorkflow.id)).filter((execution) => !seen.has(execution.id));
				const done = all.filter((execution) => !['new', 'running', 'waiting'].includes(execution.status));
				return done.length >= 2 ? done : undefined;
			});
			expect(ended.map((execution) => execution.status)).toEqual(['success', 'success']);
			rounds.push(ended.map((execution) => ({ id: execution.id })));
		}
		// Each round's two executions ran at once, one on each worker.
		const startedBy = queue!.workers.map((worker, index) => [...worker.output().matchAll(/Worker started execution (\d+)/g)].length - startedBefore[index]);
		expect(startedBy).toEqual([2, 2]);

		// The task paid for each key: the local server's task whose prompt is that key's item's.
		const paidFor = new Map(batches.flatMap(({ items }) => items.map((item) => [item.sku, [...fake.tasks.values()].find((task) => task.request.prompt === item.p)?.id])));
		expect(fake.tasks.size).toBe(6);
		expect(fake.countRequests('submit')).toBe(6);
		expect(new Set(paidFor.values()).size).toBe(6);
		// Every item of every execution: its key (the Items node's item it came from), the task it output, whether it was
		// reused, and whether its image is the one the local server rendered for the task paid for under its key.
		const seenItems: Array<[number, string, boolean, boolean, boolean]> = [];
		for (const [round, executions] of rounds.entries()) {
			for (const { id } of executions) {
				const execution = await rest.getExecution(id);
				const record = { status: execution.status, data: execution.data };
				const inputs = getNodeOutput(record, 'Items');
				for (const item of getNodeOutput(record, 'WaveSpeed')) {
					const sku = String(inputs[(item.pairedItem as { item: number }).item].json.sku);
					// n8n 1.x's default binary mode keeps the bytes in the execution data (base64); 2.x's, in the database.
					const binary = item.binary?.data as { id?: string; data?: string } | undefined;
					const bytes = binary?.id ? await rest.readBinary(binary.id) : Buffer.from(binary?.data ?? '', 'base64');
					const image = makePlaceholderPng({ width: fake.options.outputWidth, height: fake.options.outputHeight, seed: `${paidFor.get(sku)}/0` });
					seenItems.push([round, sku, item.json.id === paidFor.get(sku), item.json.reused === true, bytes.equals(image)]);
				}
			}
		}
		const skus = batches.flatMap(({ items }) => items.map((item) => item.sku));
		expect(seenItems.sort()).toEqual(
			[0, 1].flatMap((round) => skus.map((sku): [number, string, boolean, boolean, boolean] => [round, sku, true, round === 1, true])).sort(),
		);
	}, 300_000);
});
