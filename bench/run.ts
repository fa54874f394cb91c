/**
 * `npm run bench`: batches through n8n's executor against the local WaveSpeed-compatible server, and a table of what
 * they cost: the batch's span against the ideal ceil(items / concurrency) × inference, the latency the node adds after
 * WaveSpeed finishes a task (median, p95), polls per second of task time, HTTP requests per item and peak memory. The
 * first scenarios also run a fixed-interval baseline client (bench/baseline.ts) in the same invocation. "First submit
 * to last output" leaves out what comes before the tasks (making the inputs, reading them), as the end-to-end scale
 * test measures in n8n. Asserts nothing: it measures.
 *   --inference-ms N   how long each task runs on the server, where a scenario does not say (default 10000)
 *   --full             also the 200-item batch
 *   --only LABEL       run the scenarios whose label contains LABEL
 * The wide scenarios (1,000 items × 3 s at Max Concurrency 64, 250 and 1,000; 1,000 × 20 s at 1,000) say what a large
 * account's batch costs: span, submits, polls and the heap kept (sampled after a forced GC, so garbage is not counted).
 * BENCH_CHILD_ARGS="--cpu-prof" passes Node options to each scenario's process.
 * BENCH_DEBUG=1 also prints each task's creation time and how long after its end the node saw it and had its image.
 */
import { execFile } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';

const execFileAsync = promisify(execFile);

import { startFakeWaveSpeed } from '../test/support/fakeWaveSpeed';
import type { Route } from '../test/support/fakeWaveSpeed';
import type { Scenario, ScenarioResult } from './scenario';

const KB = 1024;
const MB = 1024 * KB;

/**
 * Tasks of one kind do not take the same time (GPT Image 2: 10 s to 150 s; refusals in a second): a first wave of 5
 * at 6 s teaches the schedule a median, then 20 tasks from 1 s to 12 s, in a mixed order, and a refusal at 0.8 s.
 */
function variedPrompts(): string[] {
	const firstWave = Array.from({ length: 5 }, () => '[inference:6000]');
	const varied = Array.from({ length: 20 }, (_, index) => `[inference:${1000 + Math.round((((index * 7) % 20) * 11_000) / 19)}]`);
	return [...firstWave, varied[0], '[fail] [inference:800]', ...varied.slice(1)];
}

function scenarios(full: boolean): Scenario[] {
	const base = { imageBytes: 100 * KB, pollIntervalSeconds: 2, binaryMode: 'filesystem' as const };
	/** Each of these runs twice, side by side: the node, and the fixed-interval baseline client (what peers do). */
	const compared: Scenario[] = [
		{ ...base, label: '20 × 5 s, concurrency 5', items: 20, concurrency: 5, inferenceMs: 5000 },
		{ ...base, label: '50 × 10 s, concurrency 10', items: 50, concurrency: 10, inferenceMs: 10_000 },
		{ ...base, label: '10 × 5 s, Max Concurrency 4, account cap 2', items: 10, concurrency: 4, inferenceMs: 5000, accountCap: 2 },
	];
	return [
		...compared.flatMap((scenario) => [scenario, { ...scenario, label: `${scenario.label}: fixed 2 s baseline`, baseline: true }]),
		{ ...base, label: 'varied: 5 × 6 s, then 20 × 1–12 s and a refusal at 0.8 s, concurrency 5', items: 26, concurrency: 5, prompts: variedPrompts() },
		{ ...base, label: '1 item', items: 1, concurrency: 4 },
		{ ...base, label: '10 items, concurrency 1 (sequential loop)', items: 10, concurrency: 1 },
		...(full ? [{ ...base, label: '200 items, concurrency 20', items: 200, concurrency: 20 }] : []),
		...[64, 250, 1000].map((concurrency) => ({ ...base, label: `wide: 1000 × 3 s, Max Concurrency ${concurrency}`, items: 1000, concurrency, inferenceMs: 3000 })),
		// GPT Image 2's tasks take 10 to 150 s: polls, not transfers, are then what a wide batch makes most of.
		{ ...base, label: 'wide: 1000 × 20 s, Max Concurrency 1000', items: 1000, concurrency: 1000, inferenceMs: 20_000 },
		{ ...base, label: '1 item of 20 MB', items: 1, concurrency: 4, imageBytes: 20 * MB },
		{ ...base, label: '20 items of 20 MB, concurrency 4', items: 20, concurrency: 4, imageBytes: 20 * MB },
		{ ...base, label: '20 items of 20 MB, concurrency 4, memory mode', items: 20, concurrency: 4, imageBytes: 20 * MB, binaryMode: 'default' as const },
	];
}

/** From the first submit the server saw to the last output it sent. */
function submitToLastOutputMs(fake: Awaited<ReturnType<typeof startFakeWaveSpeed>>): number {
	const submits = fake.requests.filter((request) => request.route === 'submit' || request.route === 'generate').map((request) => request.atMs);
	const sent = [...fake.tasks.values()].map((task) => task.outputSentAtMs ?? NaN);
	return Math.max(...sent) - Math.min(...submits);
}

function percentile(values: number[], fraction: number): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? NaN;
}

async function main(): Promise<void> {
	const { values } = parseArgs({
		options: { 'inference-ms': { type: 'string' }, full: { type: 'boolean' }, only: { type: 'string' } },
	});
	const inferenceMs = Number(values['inference-ms'] ?? 10_000);
	const fake = await startFakeWaveSpeed({ inferenceMs, outputWidth: 1024, outputHeight: 1024 });
	const rows: string[][] = [];
	const notes: string[] = [];
	const header = ['scenario', 'span s', 'ideal s', 'span / ideal', 'added latency ms (median / p95)', 'polls per task-s', 'submits/item', 'uploads/item', 'downloads/item', 'peak RSS MB', 'RSS growth MB', 'peak tasks running', 'node span / ideal', 'first submit to last output / ideal', 'heap after GC MB (before / peak)', 'forced GC ms', 'CPU ms/item', 'peak open fds'];

	for (const scenario of scenarios(Boolean(values.full)).filter((s) => !values.only || s.label.includes(values.only))) {
		fake.reset();
		// Check Balance First (on by default) must pass a 1,000-item batch ($60 at GPT Image 2's medium 1k price).
		fake.account.balanceUsd = 10_000;
		const taskMs = scenario.inferenceMs ?? inferenceMs;
		fake.options.inferenceMs = taskMs;
		fake.options.maxConcurrentTasks = scenario.accountCap ?? 0;
		fake.options.outputMinBytes = scenario.imageBytes > MB ? scenario.imageBytes : 0;
		process.stderr.write(`running: ${scenario.label}…\n`);
		// Asynchronously: the server answering the child lives in this process's event loop.
		const { stdout: output, stderr } = await execFileAsync(process.execPath, ['--expose-gc', ...(process.env.BENCH_CHILD_ARGS?.split(' ').filter(Boolean) ?? []), join(__dirname, 'scenario.js'), JSON.stringify({ scenario, baseUrl: fake.url, apiKey: fake.options.apiKey })], {
			encoding: 'utf8',
			maxBuffer: 64 * MB,
			env: { ...process.env, N8N_LOG_LEVEL: 'silent' },
		});
		// Node's warnings (MaxListenersExceededWarning on a shared signal, say) would say something grows per item.
		for (const warning of stderr.split('\n').filter((text) => /Warning/.test(text))) notes.push(`${scenario.label}: ${warning}`);
		const result = JSON.parse(output.trim().split('\n').pop()!) as ScenarioResult;
		const perItem = (route: Route) => (fake.countRequests(route) / scenario.items).toFixed(1);
		const latencies = [...fake.tasks.values()].map((task) => (task.outputSentAtMs ?? NaN) - task.completeAtMs);
		if (scenario.prompts) {
			// How long after its end the node first saw each task (a refusal has no output to time).
			const seenLate = (tasks: typeof fake.tasks extends Map<string, infer T> ? T[] : never) =>
				tasks.map((task) => (task.firstSeenDoneAtMs ?? NaN) - task.completeAtMs);
			const all = [...fake.tasks.values()];
			const completed = seenLate(all.filter((task) => task.outcome === 'completed'));
			const refused = seenLate(all.filter((task) => task.outcome === 'failed'));
			notes.push(
				`${scenario.label}: completed tasks seen ${Math.round(percentile(completed, 0.5))} ms (median) / ${Math.round(percentile(completed, 0.9))} ms (p90) after they ended; the refusal ${refused.map(Math.round).join(', ')} ms.`,
			);
		}
		if (process.env.BENCH_DEBUG) {
			const t0 = Math.min(...[...fake.tasks.values()].map((task) => task.createdAtMs));
			for (const task of fake.tasks.values()) {
				process.stderr.write(`  task created +${task.createdAtMs - t0} ms, seen done +${(task.firstSeenDoneAtMs ?? NaN) - task.completeAtMs} ms, output sent +${(task.outputSentAtMs ?? NaN) - task.completeAtMs} ms\n`);
			}
		}
		const lanes = Math.min(scenario.concurrency, scenario.accountCap ?? Infinity);
		const idealMs = Math.ceil(scenario.items / lanes) * taskMs;
		const taskSeconds = [...fake.tasks.values()].reduce((sum, task) => sum + (task.completeAtMs - task.createdAtMs) / 1000, 0);
		rows.push([
			`${scenario.label}${result.outputs === scenario.items && result.status === 'success' ? '' : ` (FAILED: ${result.outputs} outputs${result.error ? `, ${result.error}` : ''})`}`,
			(result.wallMs / 1000).toFixed(1),
			(idealMs / 1000).toFixed(0),
			(result.wallMs / idealMs).toFixed(2),
			`${Math.round(percentile(latencies, 0.5))} / ${Math.round(percentile(latencies, 0.95))}`,
			(fake.countRequests('result') / taskSeconds).toFixed(2),
			perItem('submit'),
			perItem('put'),
			perItem('download'),
			(result.peakRssBytes / MB).toFixed(0),
			((result.peakRssBytes - result.baselineRssBytes) / MB).toFixed(0),
			String(fake.peakRunningTasks),
			result.nodeMs === undefined ? '–' : (result.nodeMs / idealMs).toFixed(2),
			// As test/e2e/scale.e2e.test.ts measures in n8n: what the tasks themselves span, without the inputs' preparation.
			(submitToLastOutputMs(fake) / idealMs).toFixed(2),
			result.peakHeapAfterGcBytes === undefined ? '–' : `${((result.baselineHeapBytes ?? 0) / MB).toFixed(0)} / ${(result.peakHeapAfterGcBytes / MB).toFixed(0)}`,
			result.forcedGcMs === undefined ? '–' : result.forcedGcMs.toFixed(0),
			// Without the benchmark's own forced GCs.
			result.cpuMs === undefined ? '–' : ((result.cpuMs - (result.forcedGcMs ?? 0)) / scenario.items).toFixed(1),
			String(result.peakOpenFds ?? '–'),
		]);
	}
	await fake.close();

	const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
	const line = (cells: string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`;
	process.stdout.write(
		[
			`Inference ${inferenceMs / 1000} s per task unless noted, poll interval 2 s, filesystem binary mode unless noted. "Ideal": ceil(items / min(concurrency, account cap)) × inference.`,
			`Machine: ${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 1024 ** 3)} GB, Node ${process.version}.`,
			'',
			line(header),
			line(widths.map((width) => '-'.repeat(width))),
			...rows.map(line),
			'',
			...notes,
			...(notes.length ? [''] : []),
		].join('\n'),
	);
}

void main();
