/**
 * One benchmark scenario, in a child process of its own so its peak RSS is its own: a workflow (start → make binary →
 * WaveSpeed Edit Image) through n8n-core's executor against the local server the parent runs. Prints one JSON line.
 */
import type { BinaryMode } from '../test/support/workflowHarness';
import { WAVESPEED_TYPE, chain, createWorkflowHarness, node } from '../test/support/workflowHarness';

export interface Scenario {
	label: string;
	items: number;
	concurrency: number;
	imageBytes: number;
	pollIntervalSeconds: number;
	binaryMode: BinaryMode;
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
	const items = Array.from({ length: scenario.items }, (_, index) => ({ seed: `item-${index}` }));
	const workflow = chain(
		node('Start', 'test.start', { items: JSON.stringify(items) }),
		node('Make Binary', 'test.makeBinary', { seed: '={{ $json.seed }}', minBytes: scenario.imageBytes }),
		node('WaveSpeed', WAVESPEED_TYPE, {
			operation: 'editImage',
			prompt: 'Put the product in a studio',
			options: { pollInterval: scenario.pollIntervalSeconds, maxConcurrency: scenario.concurrency, timeout: 3600 },
		}),
	);

	const baselineRssBytes = process.memoryUsage.rss();
	let peakRssBytes = baselineRssBytes;
	const sampler = setInterval(() => (peakRssBytes = Math.max(peakRssBytes, process.memoryUsage.rss())), 20);
	const startedMs = Date.now();
	const result = await harness.run(workflow);
	const wallMs = Date.now() - startedMs;
	clearInterval(sampler);
	peakRssBytes = Math.max(peakRssBytes, process.memoryUsage.rss());

	const outputs = result.run.data.resultData.runData.WaveSpeed?.[0]?.data?.main[0]?.length ?? 0;
	const output: ScenarioResult = { wallMs, peakRssBytes, baselineRssBytes, outputs, status: result.run.status };
	process.stdout.write(`${JSON.stringify(output)}\n`);
	process.exit(0);
}

if (require.main === module) void main();
