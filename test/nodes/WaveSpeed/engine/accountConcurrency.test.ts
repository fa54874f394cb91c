import { FAST_OPTIONS, contextFor } from '../../../support/builders';
import { createExecuteContext, runNode } from '../../../support/executeContext';
import type { FakeWaveSpeed } from '../../../support/fakeWaveSpeed';
import { peakOverlap } from '../../../support/fakeWaveSpeed/concurrencyQueue';
import { useFakeWaveSpeed } from '../../../support/useFakeWaveSpeed';

/**
 * Over the account's concurrency limit WaveSpeed's docs say a task waits its turn (queued); gateways and older
 * behaviour answer 429 "too many concurrent tasks". A batch over the cap must come out right both ways.
 */
describe('a batch over the account concurrency cap', () => {
	let fake: FakeWaveSpeed;
	useFakeWaveSpeed((started) => (fake = started));

	const batch = (count: number, options: Record<string, unknown> = {}, inferenceMs = 300) =>
		createExecuteContext({
			...contextFor(fake, {
				operation: 'generateImage',
				prompt: (i: number) => `p${i} [inference:${inferenceMs}]`,
				waitForCompletion: true,
				options: { ...FAST_OPTIONS, maxConcurrency: count, pollInterval: 0.5, timeout: 30, ...options },
			}),
			items: Array.from({ length: count }, () => ({ json: {} })),
			continueOnFail: true,
		});

	it('queued by WaveSpeed: every item completes, one submit each, none refused, the node does not hold back', async () => {
		fake.options.maxConcurrentTasks = 2;
		fake.options.concurrencyMode = 'queue';
		// Tasks of 3 s: a node holding back to the cap would send its third submit only after a task ended, seconds
		// later, so the order check below does not depend on how fast this machine is.
		const output = await runNode(batch(5, {}, 3000));
		expect(output.map((item) => item.json.status)).toEqual(Array(5).fill('completed'));
		expect(fake.countRequests('generate')).toBe(5);
		const tasks = [...fake.tasks.values()];
		expect(tasks).toHaveLength(5);
		// The server queued three of them and never ran more than two at once.
		expect(tasks.filter((task) => task.startAtMs !== undefined)).toHaveLength(3);
		expect(peakOverlap(tasks)).toBe(2);
		// No refusal, so the node's limit stayed at Max Concurrency. In the local server's log: every submit came before
		// any poll found a task ended; a node holding back to the cap learns of a free slot only from such a poll.
		const lastSubmit = Math.max(...fake.requests.filter((request) => request.route === 'generate').map((request) => request.seq));
		expect(lastSubmit).toBeLessThan(Math.min(...tasks.map((task) => task.firstSeenDoneSeq!)));
	});

	it('queued past the Timeout: the late items fail on their Timeout, each submitted once, no wait unbounded', async () => {
		fake.options.maxConcurrentTasks = 1;
		fake.options.concurrencyMode = 'queue';
		const output = await runNode(batch(3, { timeout: 1.5 }, 700));
		expect(fake.countRequests('generate')).toBe(3);
		expect(output[0].json.status).toBe('completed');
		// The third task is queued until 1.4 s and ends at 2.1 s, past its 1.5 s Timeout: it fails, it is not waited for.
		const third = [...fake.tasks.values()][2];
		expect(third.startAtMs).toBeDefined();
		expect(String(output[2].json.error)).toContain(`WaveSpeed task ${third.id} did not finish within`);
		expect(String(output[2].json.error)).toContain('last status "created"');
	});

	it('refused with 429 "too many concurrent tasks": every item completes with exactly one accepted task each', async () => {
		fake.options.maxConcurrentTasks = 2;
		fake.options.concurrencyMode = 'refuse';
		const output = await runNode(batch(5));
		expect(output.map((item) => item.json.status)).toEqual(Array(5).fill('completed'));
		expect(fake.tasks.size).toBe(5);
		expect(new Set(output.map((item) => item.json.id)).size).toBe(5);
		// The learnt limit did not shrink below the account's: two ran at once.
		expect(fake.peakRunningTasks).toBe(2);
	});
});
