/**
 * End to end, at a width above the old cap of 64 (issue 29): 300 Generate Image items at Max Concurrency 250 with 3 s
 * tasks, in a real n8n 2.40.7 whose heap is capped at 384 MB, against the local WaveSpeed server. Asserts on counts and
 * order (every item completed, in its place, one submit each; more than 64 tasks ran at once and never more than the
 * setting), never on elapsed time; it prints the span against the ideal for the README's "Running at scale".
 *   SCALE_E2E_ITEMS=1000 SCALE_E2E_CONCURRENCY=1000 npm run jest -- test/e2e/scale.e2e.test.ts   (a larger measurement)
 */
import { WAVESPEED_NODE_TYPE, executeWorkflow, getNodeOutput, importWorkflow } from '../../scripts/lib/localN8n';
import type { TestN8nWithFake } from '../support/useTestN8n';
import { useTestN8n } from '../support/useTestN8n';

const ITEMS = Number(process.env.SCALE_E2E_ITEMS ?? 300);
const MAX_CONCURRENCY = Number(process.env.SCALE_E2E_CONCURRENCY ?? 250);
const INFERENCE_MS = 3000;
/** The old cap: the test is about widths above it. */
const OLD_CAP = 64;

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
			{ id: 's1', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
			{
				id: 's2',
				name: 'Prompts',
				type: 'n8n-nodes-base.code',
				typeVersion: 2,
				position: [200, 0],
				parameters: { jsCode: `return Array.from({ length: ${ITEMS} }, (_, index) => ({ json: { prompt: 'Product ' + index } }));` },
			},
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

describe(`in a real n8n with a 384 MB heap, ${ITEMS} items at Max Concurrency ${MAX_CONCURRENCY}`, () => {
	let n8n: TestN8nWithFake;
	useTestN8n('wavespeed-e2e-scale', { inferenceMs: INFERENCE_MS, outputWidth: 1024, outputHeight: 1024 }, (setup) => {
		n8n = setup;
		// n8n's own heap, as a small host would cap it; the Code node's task runner inherits it too.
		n8n.env.NODE_OPTIONS = [process.env.NODE_OPTIONS, '--max-old-space-size=384'].filter(Boolean).join(' ');
	});

	it('completes every item in its place, one submit each, with more than 64 tasks running at once and never more than the setting', async () => {
		const { install, env, workDir, fake, credential } = n8n;
		// Check Balance First (on by default) must pass the batch ($0.06 each).
		fake.account.balanceUsd = 10_000;
		await importWorkflow(install, env, wideWorkflow(credential), workDir);
		const record = await executeWorkflow(install, env, 'e2eScaleWide');

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

		// Figures for the README, not assertions: from the first submit to the last image sent, against the ideal.
		const firstSubmitMs = Math.min(...fake.requests.filter((request) => request.route === 'generate').map((request) => request.atMs));
		const lastSentMs = Math.max(...tasks.map((task) => task.outputSentAtMs ?? NaN));
		const idealMs = Math.ceil(ITEMS / MAX_CONCURRENCY) * INFERENCE_MS;
		const taskSeconds = tasks.reduce((sum, task) => sum + (task.completeAtMs - task.createdAtMs) / 1000, 0);
		process.stdout.write(
			`scale.e2e: ${ITEMS} items × ${INFERENCE_MS / 1000} s at Max Concurrency ${MAX_CONCURRENCY}: span ${((lastSentMs - firstSubmitMs) / 1000).toFixed(1)} s, ` +
				`ideal ${idealMs / 1000} s, span / ideal ${((lastSentMs - firstSubmitMs) / idealMs).toFixed(2)}, peak running ${fake.peakRunningTasks}, ` +
				`submits/item ${(fake.countRequests('generate') / ITEMS).toFixed(2)}, polls per task-s ${(fake.countRequests('result') / taskSeconds).toFixed(2)}\n`,
		);
	}, 15 * 60_000);
});
