/**
 * One benchmark scenario, in a child process of its own so its peak RSS and heap are its own: a workflow (start → make
 * binary → WaveSpeed Edit Image) through n8n-core's executor against the local server the parent runs. Prints one
 * JSON line. Started with --expose-gc: the heap is sampled after a forced GC (what is kept, not garbage).
 */
import { readdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

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
	/** The workflow's error, when it failed. */
	error?: string;
	/** The WaveSpeed node's own run, as n8n records it (the workflow's span also counts making the input binaries). */
	nodeMs?: number;
	/** Heap used after a forced GC: before the run, and the highest sample during it (every HEAP_SAMPLE_MS). */
	baselineHeapBytes?: number;
	peakHeapAfterGcBytes?: number;
	/** Time spent in those forced GCs (they pause the run). */
	forcedGcMs?: number;
	/** CPU time this process used during the run (user + system): one event loop's floor under the span. */
	cpuMs?: number;
	/** Most file descriptors open at once (sockets and files; Linux only), sampled every 100 ms. */
	peakOpenFds?: number;
}

/** Open file descriptors of this process, where /proc says. */
function openFds(): number | undefined {
	try {
		return readdirSync('/proc/self/fd').length;
	} catch {
		return undefined;
	}
}

/** How often the heap is sampled after a forced GC during a run. */
const HEAP_SAMPLE_MS = Number(process.env.BENCH_HEAP_SAMPLE_MS ?? 2000);

/** Heap used right after a full GC, and how long that GC took; undefined without --expose-gc. */
function heapAfterGc(): { bytes: number; gcMs: number } | undefined {
	const gc = (globalThis as { gc?: () => void }).gc;
	if (!gc) return undefined;
	const startedMs = performance.now();
	gc();
	return { bytes: process.memoryUsage().heapUsed, gcMs: performance.now() - startedMs };
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
	const baselineHeapBytes = heapAfterGc()?.bytes;
	let peakHeapAfterGcBytes = baselineHeapBytes;
	let forcedGcMs = 0;
	const sampleHeap = () => {
		const sample = heapAfterGc();
		if (!sample) return;
		forcedGcMs += sample.gcMs;
		peakHeapAfterGcBytes = Math.max(peakHeapAfterGcBytes ?? 0, sample.bytes);
	};
	let peakOpenFds = openFds();
	const fdSampler = setInterval(() => (peakOpenFds = Math.max(peakOpenFds ?? 0, openFds() ?? 0) || undefined), 100);
	const heapSampler = HEAP_SAMPLE_MS > 0 ? setInterval(sampleHeap, HEAP_SAMPLE_MS) : undefined;
	const startedMs = Date.now();
	const cpuAtStart = process.cpuUsage();
	let outputs = scenario.items;
	let status = 'success';
	let nodeMs: number | undefined;
	let error: string | undefined;
	// The run's outputs stay referenced to the last heap sample, as n8n keeps them for the next node.
	const kept: unknown[] = [];
	if (scenario.baseline) {
		const image = makePlaceholderPng({ seed: 'baseline', minBytes: scenario.imageBytes });
		await runBaseline({ baseUrl, apiKey, items: scenario.items, concurrency: scenario.concurrency, pollIntervalMs: scenario.pollIntervalSeconds * 1000, image });
	} else {
		const result = await harness.run(workflow);
		kept.push(result);
		outputs = result.run.data.resultData.runData.WaveSpeed?.[0]?.data?.main[0]?.length ?? 0;
		status = result.run.status;
		nodeMs = result.run.data.resultData.runData.WaveSpeed?.[0]?.executionTime;
		error = result.run.data.resultData.error?.message;
	}
	const wallMs = Date.now() - startedMs;
	const cpu = process.cpuUsage(cpuAtStart);
	const cpuMs = (cpu.user + cpu.system) / 1000;
	clearInterval(sampler);
	clearInterval(heapSampler);
	clearInterval(fdSampler);
	peakRssBytes = Math.max(peakRssBytes, process.memoryUsage.rss());
	// The outputs are still held here (as n8n holds them until the next node): they count.
	sampleHeap();
	kept.length = 0;

	const output: ScenarioResult = { wallMs, peakRssBytes, baselineRssBytes, outputs, status, error, nodeMs, baselineHeapBytes, peakHeapAfterGcBytes, forcedGcMs, cpuMs, peakOpenFds };
	process.stdout.write(`${JSON.stringify(output)}\n`);
	process.exit(0);
}

if (require.main === module) void main();
