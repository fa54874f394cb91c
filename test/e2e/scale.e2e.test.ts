/**
 * End to end, at a width above the old cap of 64 (issue 29): 300 Generate Image items at Max Concurrency 250 with 3 s
 * tasks, in a real n8n 2.40.7 whose heap is capped at 384 MB, against the local WaveSpeed server. Asserts on counts and
 * order (every item completed, in its place, one submit each; more than 64 tasks ran at once and never more than the
 * setting), never on elapsed time; it prints the span against the ideal for the README's "Running at scale". A second
 * test runs the same batch with n8n's own nodes doing the least it needs, and prints the same figures beside.
 *   SCALE_E2E_ITEMS=1000 SCALE_E2E_CONCURRENCY=1000 npm run jest -- test/e2e/scale.e2e.test.ts   (a larger measurement)
 *   SCALE_E2E_HEAP_PORT=9239 also samples n8n's heap after a forced GC every 2 s through its inspector (a measurement:
 *   the forced GCs pause n8n, so the span of that run is not the one to quote).
 *   SCALE_E2E_DEBUG=1 also prints when each wave of tasks was created, and how long after their end the node saw them
 *   and had their images. n8n's CPU per item is printed where the suite's n8n server runs (Linux's /proc).
 *   SCALE_E2E_INSPECT_PORT=9239 opens n8n's inspector without sampling, for a CPU profile taken from outside.
 */
import { WebSocket } from 'undici';

import { WAVESPEED_NODE_TYPE, executeWorkflow, getNodeOutput, importWorkflow, lastRunCpuMs } from '../../scripts/lib/localN8n';
import type { TestN8nWithFake } from '../support/useTestN8n';
import { useTestN8n } from '../support/useTestN8n';

const ITEMS = Number(process.env.SCALE_E2E_ITEMS ?? 300);
const MAX_CONCURRENCY = Number(process.env.SCALE_E2E_CONCURRENCY ?? 250);
const INFERENCE_MS = 3000;
/** The old cap: the test is about widths above it. */
const OLD_CAP = 64;

const HEAP_PORT = process.env.SCALE_E2E_HEAP_PORT;

/**
 * n8n's heap used right after a forced GC, every `everyMs`, through the inspector (Chrome DevTools Protocol); `stop()`
 * returns the highest sample in MB.
 */
async function sampleN8nHeap(port: string, everyMs: number): Promise<{ stop(): Promise<number> }> {
	// n8n starts with the run (the suite's server starts on its first execution): wait for its inspector.
	let target: { webSocketDebuggerUrl: string } | undefined;
	for (const endMs = Date.now() + 300_000; !target && Date.now() < endMs; await new Promise((resolve) => setTimeout(resolve, 250))) {
		target = await fetch(`http://127.0.0.1:${port}/json/list`).then(
			async (response) => ((await response.json()) as Array<{ webSocketDebuggerUrl: string }>)[0],
			() => undefined,
		);
	}
	if (!target) throw new Error(`n8n's inspector did not answer on port ${port}`);
	const socket = new WebSocket(target.webSocketDebuggerUrl);
	await new Promise((resolve, reject) => {
		socket.onopen = resolve;
		socket.onerror = reject;
	});
	const pending = new Map<number, (result: Record<string, number>) => void>();
	socket.onmessage = (event) => {
		const reply = JSON.parse(String(event.data)) as { id?: number; result?: Record<string, number> };
		if (reply.id !== undefined) pending.get(reply.id)?.(reply.result ?? {});
	};
	let nextId = 0;
	const call = async (method: string) =>
		await new Promise<Record<string, number>>((resolve) => {
			const id = ++nextId;
			pending.set(id, resolve);
			socket.send(JSON.stringify({ id, method }));
		});
	let peakBytes = 0;
	let sampling = Promise.resolve();
	const sample = () => {
		sampling = sampling.then(async () => {
			await call('HeapProfiler.collectGarbage');
			peakBytes = Math.max(peakBytes, (await call('Runtime.getHeapUsage')).usedSize ?? 0);
		});
	};
	const timer = setInterval(sample, everyMs);
	return {
		async stop() {
			clearInterval(timer);
			sample();
			await sampling;
			socket.close();
			return peakBytes / 1024 / 1024;
		},
	};
}

/** What both workflows start with: a Manual Trigger and a Code node making ITEMS prompts. */
const START_AND_PROMPTS = [
	{ id: 'p1', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
	{
		id: 'p2',
		name: 'Prompts',
		type: 'n8n-nodes-base.code',
		typeVersion: 2,
		position: [200, 0],
		parameters: { jsCode: `return Array.from({ length: ${ITEMS} }, (_, index) => ({ json: { prompt: 'Product ' + index } }));` },
	},
];

/** Manual Trigger → Code (ITEMS prompts) → WaveSpeed Generate Image at MAX_CONCURRENCY. */
function wideWorkflow(credential: { id: string; name: string }) {
	return {
		id: 'e2eScaleWide',
		name: 'WaveSpeed at scale',
		active: false,
		settings: { executionOrder: 'v1' },
		connections: {
			Start: { main: [[{ node: 'Prompts', type: 'main', index: 0 }]] },
			Prompts: { main: [[{ node: 'WaveSpeed', type: 'main', index: 0 }]] },
		},
		nodes: [
			...START_AND_PROMPTS,
			{
				id: 's3',
				name: 'WaveSpeed',
				type: WAVESPEED_NODE_TYPE,
				typeVersion: 1,
				position: [400, 0],
				parameters: { operation: 'generateImage', prompt: '={{ $json.prompt }}', options: { maxConcurrency: MAX_CONCURRENCY } },
				credentials: { waveSpeedAiApi: credential },
			},
		],
	};
}

/**
 * The same batch done by n8n's own nodes with the least it needs: Loop Over Items in waves of MAX_CONCURRENCY, each
 * wave's tasks submitted at once (HTTP Request sends its items in parallel), a Wait of the task time, each result read
 * once and each image downloaded once. No retries, checks or schedule: what n8n itself costs, to set the node's
 * figures against (issue 29).
 */
function ownNodesWorkflow(fakeUrl: string, apiKey: string) {
	const auth = { sendHeaders: true, headerParameters: { parameters: [{ name: 'Authorization', value: `Bearer ${apiKey}` }] } };
	const httpRequest = (id: string, name: string, x: number, parameters: Record<string, unknown>) => ({
		id,
		name,
		type: 'n8n-nodes-base.httpRequest',
		typeVersion: 4.2,
		position: [x, 0],
		parameters: { ...auth, ...parameters },
	});
	const next = (node: string) => ({ main: [[{ node, type: 'main', index: 0 }]] });
	return {
		id: 'e2eScaleOwnNodes',
		name: "The same batch with n8n's own nodes",
		active: false,
		settings: { executionOrder: 'v1' },
		connections: {
			Start: next('Prompts'),
			Prompts: next('Waves'),
			Waves: { main: [[], [{ node: 'Submit', type: 'main', index: 0 }]] },
			Submit: next('Task time'),
			'Task time': next('Result'),
			Result: next('Download'),
			Download: next('Waves'),
		},
		nodes: [
			...START_AND_PROMPTS,
			{ id: 'o3', name: 'Waves', type: 'n8n-nodes-base.splitInBatches', typeVersion: 3, position: [400, 0], parameters: { batchSize: MAX_CONCURRENCY, options: {} } },
			httpRequest('o4', 'Submit', 600, {
				method: 'POST',
				url: `${fakeUrl}/api/v3/openai/gpt-image-2/text-to-image`,
				sendBody: true,
				specifyBody: 'json',
				jsonBody: '={{ JSON.stringify({ prompt: $json.prompt }) }}',
				options: {},
			}),
			{ id: 'o5', name: 'Task time', type: 'n8n-nodes-base.wait', typeVersion: 1.1, position: [800, 0], parameters: { amount: INFERENCE_MS / 1000, unit: 'seconds' } },
			httpRequest('o6', 'Result', 1000, { url: '={{ $json.data.urls.get }}', options: {} }),
			httpRequest('o7', 'Download', 1200, { url: '={{ $json.data.outputs[0] }}', options: { response: { response: { responseFormat: 'file' } } } }),
		],
	};
}

/** CPU this process (the local WaveSpeed server, and the test polling n8n's REST API) spent since `start`. */
function cpuMsSince(start: NodeJS.CpuUsage): number {
	const { user, system } = process.cpuUsage(start);
	return (user + system) / 1000;
}

/** Prints a run's figures (not assertions): from the first submit to the last image sent, against the ideal. */
function printFigures(
	label: string,
	fake: TestN8nWithFake['fake'],
	{ cpuMs, localServerCpuMs, peakHeapMb }: { cpuMs?: number; localServerCpuMs: number; peakHeapMb?: number },
): void {
	const tasks = [...fake.tasks.values()];
	const firstSubmitMs = Math.min(...fake.requests.filter((request) => request.route === 'generate').map((request) => request.atMs));
	const lastSentMs = Math.max(...tasks.map((task) => task.outputSentAtMs ?? NaN));
	const idealMs = Math.ceil(ITEMS / MAX_CONCURRENCY) * INFERENCE_MS;
	if (process.env.SCALE_E2E_DEBUG) {
		const created = tasks.map((task) => task.createdAtMs - firstSubmitMs).sort((a, b) => a - b);
		const waves = Array.from({ length: Math.ceil(ITEMS / MAX_CONCURRENCY) }, (_, wave) => created.slice(wave * MAX_CONCURRENCY, (wave + 1) * MAX_CONCURRENCY));
		const seen = tasks.map((task) => (task.firstSeenDoneAtMs ?? NaN) - task.completeAtMs).sort((a, b) => a - b);
		const sent = tasks.map((task) => (task.outputSentAtMs ?? NaN) - task.completeAtMs).sort((a, b) => a - b);
		process.stdout.write(`${label}: waves (created first..last ms): ${waves.map((wave) => `${wave[0]}..${wave[wave.length - 1]}`).join(', ')}; seen done after end p50/p95 ${seen[seen.length >> 1]}/${seen[Math.floor(seen.length * 0.95)]} ms; output sent after end p50/p95 ${sent[sent.length >> 1]}/${sent[Math.floor(sent.length * 0.95)]} ms\n`);
	}
	const taskSeconds = tasks.reduce((sum, task) => sum + (task.completeAtMs - task.createdAtMs) / 1000, 0);
	process.stdout.write(
		`scale.e2e, ${label}: ${ITEMS} items × ${INFERENCE_MS / 1000} s at Max Concurrency ${MAX_CONCURRENCY}: span ${((lastSentMs - firstSubmitMs) / 1000).toFixed(1)} s, ` +
			`ideal ${idealMs / 1000} s, span / ideal ${((lastSentMs - firstSubmitMs) / idealMs).toFixed(2)}, peak running ${fake.peakRunningTasks}, ` +
			`submits/item ${(fake.countRequests('generate') / ITEMS).toFixed(2)}, polls per task-s ${(fake.countRequests('result') / taskSeconds).toFixed(2)}` +
			`${cpuMs === undefined ? '' : `, n8n's CPU ${(cpuMs / ITEMS).toFixed(1)} ms/item`}` +
			`, the local server's (and this test's) CPU ${(localServerCpuMs / ITEMS).toFixed(1)} ms/item` +
			`${peakHeapMb === undefined ? '' : `, n8n's peak heap after GC ${peakHeapMb.toFixed(0)} MB`}\n`,
	);
}

describe(`in a real n8n with a 384 MB heap, ${ITEMS} items at Max Concurrency ${MAX_CONCURRENCY}`, () => {
	let n8n: TestN8nWithFake;
	useTestN8n('wavespeed-e2e-scale', { inferenceMs: INFERENCE_MS, outputWidth: 1024, outputHeight: 1024 }, (setup) => {
		n8n = setup;
		// n8n's own heap, as a small host would cap it; the Code node's task runner inherits it too.
		const inspectPort = HEAP_PORT ?? process.env.SCALE_E2E_INSPECT_PORT;
		const inspect = inspectPort ? `--inspect=127.0.0.1:${inspectPort}` : undefined;
		n8n.env.NODE_OPTIONS = [process.env.NODE_OPTIONS, '--max-old-space-size=384', inspect].filter(Boolean).join(' ');
	});

	it('completes every item in its place, one submit each, with more than 64 tasks running at once and never more than the setting', async () => {
		const { install, env, workDir, fake, credential } = n8n;
		// Check Balance First (on by default) must pass the batch ($0.06 each).
		fake.account.balanceUsd = 10_000;
		await importWorkflow(install, env, wideWorkflow(credential), workDir);
		const heap = HEAP_PORT ? sampleN8nHeap(HEAP_PORT, 2000) : undefined;
		const serverCpu = process.cpuUsage();
		const record = await executeWorkflow(install, env, 'e2eScaleWide');
		const peakHeapMb = await (await heap)?.stop();
		const cpuMs = lastRunCpuMs(env);
		const localServerCpuMs = cpuMsSince(serverCpu);

		expect(record.data.resultData.error?.message).toBeUndefined();
		expect(record.status).toBe('success');
		const output = getNodeOutput(record, 'WaveSpeed');
		expect(output).toHaveLength(ITEMS);
		const tasks = [...fake.tasks.values()];
		expect(tasks).toHaveLength(ITEMS);
		expect(fake.countRequests('generate')).toBe(ITEMS);
		const promptOf = new Map(tasks.map((task) => [task.id, task.request.prompt]));
		output.forEach((item, index) => {
			expect(item.pairedItem).toEqual({ item: index });
			expect(item.json.status).toBe('completed');
			expect(promptOf.get(String(item.json.id))).toBe(`Product ${index}`);
			expect(item.binary?.data?.mimeType).toBe('image/png');
		});
		expect(fake.countRequests('download')).toBe(ITEMS);
		expect(fake.peakRunningTasks).toBeGreaterThan(Math.min(OLD_CAP, ITEMS - 1));
		expect(fake.peakRunningTasks).toBeLessThanOrEqual(MAX_CONCURRENCY);

		printFigures('WaveSpeed node', fake, { cpuMs, localServerCpuMs, peakHeapMb });
	}, 15 * 60_000);

	it("measures the same batch done by n8n's own nodes with the least it needs, for the node's figures to be set against", async () => {
		const { install, env, workDir, fake } = n8n;
		await importWorkflow(install, env, ownNodesWorkflow(fake.url, fake.options.apiKey), workDir);
		const serverCpu = process.cpuUsage();
		const record = await executeWorkflow(install, env, 'e2eScaleOwnNodes');
		const cpuMs = lastRunCpuMs(env);
		const localServerCpuMs = cpuMsSince(serverCpu);

		expect(record.data.resultData.error?.message).toBeUndefined();
		expect(record.status).toBe('success');
		expect(fake.tasks.size).toBe(ITEMS);
		expect(fake.countRequests('generate')).toBe(ITEMS);
		expect(fake.countRequests('result')).toBe(ITEMS);
		expect(fake.countRequests('download')).toBe(ITEMS);
		expect([...fake.tasks.values()].every((task) => task.outputSentAtMs !== undefined && task.outputSentAtMs >= task.completeAtMs)).toBe(true);
		printFigures("n8n's own nodes", fake, { cpuMs, localServerCpuMs });
	}, 15 * 60_000);
});
