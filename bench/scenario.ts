/**
 * One benchmark scenario, in a child process of its own so its peak RSS is its own: a workflow (start → make binary →
 * WaveSpeed Edit Image) through n8n-core's executor against the local server the parent runs. Prints one JSON line.
 */
import { makePlaceholderPng } from '../test/support/placeholderPng';
import type { BinaryMode } from '../test/support/workflowHarness';
import { WAVESPEED_TYPE, chain, createWorkflowHarness, node } from '../test/support/workflowHarness';
import { runBaseline } from './baseline';

export interface Scenario {
	label: string;
	items: number;
	concurrency: number;
	imageBytes: number;
	pollIntervalSeconds: number;
	binaryMode: BinaryMode;
	/** How long each task runs on the server; the run's --inference-ms when not set. */
	inferenceMs?: number;
	/** The account's concurrency limit, as a new WaveSpeed account's 2; none when not set. */
	accountCap?: number;
	/** Run the fixed-interval baseline client (bench/baseline.ts) instead of the node. */
	baseline?: boolean;
	/** One prompt per item (e.g. "[inference:3000]", "[fail] [inference:800]"); failed items continue (regular output). */
	prompts?: string[];
}

export interface ScenarioResult {
	wallMs: number;
	peakRssBytes: number;
	baselineRssBytes: number;
	outputs: number;
	status: string;
}

async function main(): Promise<void> {
	const { scenario, baseUrl, apiKey } = JSON.parse(process.argv[2]) as { scenario: Scenario; baseUrl: string; apiKey: string };
	const harness = createWorkflowHarness(scenario.binaryMode, { apiKey, baseUrl });
	const items = Array.from({ length: scenario.items }, (_, index) => ({ seed: `item-${index}`, prompt: scenario.prompts?.[index] ?? 'Put the product in a studio' }));
	const workflow = chain(
		node('Start', 'test.start', { items: JSON.stringify(items) }),
		node('Make Binary', 'test.makeBinary', { seed: '={{ $json.seed }}', minBytes: scenario.imageBytes }),
		node(
			'WaveSpeed',
			WAVESPEED_TYPE,
			{
				operation: 'editImage',
				prompt: '={{ $json.prompt }}',
				options: { pollInterval: scenario.pollIntervalSeconds, maxConcurrency: scenario.concurrency, timeout: 3600 },
			},
			// A refused task is an error item, not the end of the batch.
			scenario.prompts ? { onError: 'continueRegularOutput' } : {},
		),
	);

	const baselineRssBytes = process.memoryUsage.rss();
	let peakRssBytes = baselineRssBytes;
	const sampler = setInterval(() => (peakRssBytes = Math.max(peakRssBytes, process.memoryUsage.rss())), 20);
	const startedMs = Date.now();
	let outputs = scenario.items;
	let status = 'success';
	if (scenario.baseline) {
		const image = makePlaceholderPng({ seed: 'baseline', minBytes: scenario.imageBytes });
		await runBaseline({ baseUrl, apiKey, items: scenario.items, concurrency: scenario.concurrency, pollIntervalMs: scenario.pollIntervalSeconds * 1000, image });
	} else {
		const result = await harness.run(workflow);
		outputs = result.run.data.resultData.runData.WaveSpeed?.[0]?.data?.main[0]?.length ?? 0;
		status = result.run.status;
	}
	const wallMs = Date.now() - startedMs;
	clearInterval(sampler);
	peakRssBytes = Math.max(peakRssBytes, process.memoryUsage.rss());

	const output: ScenarioResult = { wallMs, peakRssBytes, baselineRssBytes, outputs, status };
	process.stdout.write(`${JSON.stringify(output)}\n`);
	process.exit(0);
}

if (require.main === module) void main();
