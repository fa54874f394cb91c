/**
 * End to end, the n8n settings a user switches on: Retry On Fail, "Continue (using error output)" and a Stop (here the
 * workflow's execution timeout, which stops an execution the way the Stop button does), in a real n8n 2.40.7 with the
 * packed package installed, against the local WaveSpeed server. Uses the n8n install of the other end-to-end tests.
 */
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
import type { TestN8nWithFake } from '../support/useTestN8n';
import { useTestN8n } from '../support/useTestN8n';

/** Manual Trigger → Code (one item per prompt) → WaveSpeed Edit Image on a URL, with the given node settings. */
function promptsWorkflow(
	credential: { id: string; name: string },
	id: string,
	prompts: string[],
	settings: Record<string, unknown>,
	options: Record<string, unknown> = {},
	workflowSettings = {},
) {
	return {
		id,
		name: id,
		active: false,
		settings: { executionOrder: 'v1', ...workflowSettings },
		connections: {
			Start: { main: [[{ node: 'Prompts', type: 'main', index: 0 }]] },
			Prompts: { main: [[{ node: 'WaveSpeed', type: 'main', index: 0 }]] },
		},
		nodes: [
			{ id: 's1', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
			{
				id: 's2',
				name: 'Prompts',
				type: 'n8n-nodes-base.code',
				typeVersion: 2,
				position: [200, 0],
				parameters: { jsCode: `return ${JSON.stringify(prompts)}.map((p) => ({ json: { p } }));` },
			},
			{
				id: 's3',
				name: 'WaveSpeed',
				type: WAVESPEED_NODE_TYPE,
				typeVersion: 1,
				position: [400, 0],
				parameters: {
					operation: 'editImage',
					prompt: '={{ $json.p }}',
					imageSource: 'url',
					imageUrls: 'https://images.example.com/product.png',
					options: { pollInterval: 0.5, ...options },
				},
				credentials: { waveSpeedAiApi: credential },
				...settings,
			},
		],
	};
}

describe('in a real n8n, under n8n\'s node settings', () => {
	let n8n: TestN8nWithFake;
	useTestN8n('wavespeed-e2e-settings', { inferenceMs: 300 }, (setup) => (n8n = setup));

	async function run(workflow: { id: string }) {
		const { install, env, workDir } = n8n;
		await importWorkflow(install, env, workflow, workDir);
		return { record: await executeWorkflow(install, env, workflow.id) };
	}

	it('Retry On Fail with a refused item: 3 tries, 3 items, 3 tasks billed (not 9)', async () => {
		const workflow = promptsWorkflow(n8n.credential, 'e2eRetryOnFail', ['a', 'refused [fail]', 'c'], { retryOnFail: true, maxTries: 3, waitBetweenTries: 0 });
		const { record } = await run(workflow);
		const { fake } = n8n;
		expect(record.status).toBe('error');
		expect(fake.tasks.size).toBe(3);
		expect(fake.countRequests('submit')).toBe(3);
	}, 180_000);

	it('"Continue (using error output)": the refused item on the error output with its task id, the others on the main one', async () => {
		const workflow = promptsWorkflow(n8n.credential, 'e2eErrorOutput', ['a', 'refused [fail]', 'c'], { onError: 'continueErrorOutput' });
		const { record } = await run(workflow);
		const { fake } = n8n;
		expect(record.status).toBe('success');
		const runData = record.data.resultData.runData.WaveSpeed?.[0]?.data?.main ?? [];
		const [success, errors] = runData as Array<Array<{ json: Record<string, unknown>; pairedItem?: unknown }>>;
		expect(success.map((item) => [item.json.status, item.pairedItem])).toEqual([
			['completed', { item: 0 }],
			['completed', { item: 2 }],
		]);
		const refused = [...fake.tasks.values()].find((task) => String(task.request.prompt).includes('[fail]'))!;
		expect(errors).toHaveLength(1);
		expect(errors[0].pairedItem).toEqual({ item: 1 });
		expect(String(errors[0].json.error)).toContain(refused.id);
		expect(getNodeOutput(record, 'WaveSpeed')).toHaveLength(2);
	}, 180_000);

	it('a Stop during a held sync-mode submit: the submit finishes, its task id is in n8n\'s log, nothing more is submitted', async () => {
		// A server, not `n8n execute`: the CLI exits as soon as the execution is cancelled, so nothing could finish there.
		// The workflow's execution timeout stops the run as the Stop button does.
		const { install, env, workDir, fake } = n8n;
		const workflow = promptsWorkflow(
			n8n.credential,
			'e2eStopHeldSubmit',
			['held [inference:6000]', 'second', 'third'],
			{},
			{ syncMode: true, maxConcurrency: 1 },
			{ executionTimeout: 2 },
		);
		workflow.nodes[0] = {
			id: 's1', name: 'Start', type: 'n8n-nodes-base.webhook', typeVersion: 2, position: [0, 0],
			parameters: { path: 'wavespeed-stop-test', httpMethod: 'POST', responseMode: 'onReceived' },
			webhookId: 'wavespeed-stop-test',
		} as (typeof workflow.nodes)[number];
		await importWorkflow(install, env, workflow, workDir);
		await activateWorkflow(install, env, workflow.id);

		const port = await getFreePort();
		let log = '';
		const server = await startN8nServer(install, { ...env, N8N_PORT: String(port) }, port, (text) => (log += text));
		try {
			// n8n registers the webhooks of published workflows shortly after it reports ready.
			let response = await fetch(`http://127.0.0.1:${port}/webhook/wavespeed-stop-test`, { method: 'POST' });
			for (const endMs = Date.now() + 30_000; response.status === 404 && Date.now() < endMs; ) {
				await new Promise((resolve) => setTimeout(resolve, 500));
				response = await fetch(`http://127.0.0.1:${port}/webhook/wavespeed-stop-test`, { method: 'POST' });
			}
			expect([response.status, response.status === 200 ? '' : log.slice(-3000)]).toEqual([200, '']);
			const endMs = Date.now() + 30_000;
			while (!/WaveSpeed task \w+ \(workflow/.test(log) && Date.now() < endMs) await new Promise((resolve) => setTimeout(resolve, 200));

			expect(fake.tasks.size).toBe(1);
			const [task] = fake.tasks.values();
			const warning = log.split('\n').find((line) => line.includes(`WaveSpeed task ${task.id}`));
			expect(warning).toContain('workflow e2eStopHeldSubmit');
			expect(warning).toContain('item 0');
			expect(warning).toContain('because the execution was stopped: collect it with Get Result');
			// The held submit was answered (the task completed at WaveSpeed) and nothing was submitted after the Stop. No sleep
			// before counting: the node writes this warning once every item has ended, so no submit can follow it.
			expect(fake.countRequests('submit')).toBe(1);
		} finally {
			await stopN8nServer(server);
		}
	}, 180_000);
});
