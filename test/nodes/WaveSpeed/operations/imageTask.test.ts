/** How image tasks share WaveSpeed: task slots, the account's concurrency limit, and the item's Timeout around it all. */
import { contextFor, editParams, pngItems } from '../../../support/builders';
import { createExecuteContext, runNode } from '../../../support/executeContext';
import type { FakeWaveSpeed } from '../../../support/fakeWaveSpeed';
import { useFakeWaveSpeed } from '../../../support/useFakeWaveSpeed';

describe('image tasks', () => {
	let fake: FakeWaveSpeed;
	useFakeWaveSpeed((started) => (fake = started), { inferenceMs: 300 });

	it('a submit refused with 429 for ever ends at the item\'s Timeout, saying no task was created', async () => {
		fake.faults.push({ route: 'submit', kind: 'status', status: 429, retryAfterSeconds: 1 });
		const params = editParams({ imageSource: 'url', imageUrls: 'https://example.com/a.png', options: { pollInterval: 0.5, timeout: 3 } });
		const [item] = await runNode(createExecuteContext(contextFor(fake, params, { continueOnFail: true })));
		// Before, the same submit went on for 12 attempts (about 12 s here, minutes without Retry-After). Tries at 0, 1
		// and 2 s fit in the 3 s; a loaded machine can only make fewer, so the count is a range, not a timing.
		const submits = fake.countRequests('submit');
		expect([2, 3]).toContain(submits);
		expect(item.json.error).toBe(`No task was created within the 3 s Timeout: WaveSpeed refused it ${submits} time(s) (429, rate limited)`);
		expect(fake.tasks.size).toBe(0);
	});

	it('Max Concurrency 4 against an account capped at 2 tasks: 10 tasks, at most 13 submits, never more than 2 running', async () => {
		fake.options.maxConcurrentTasks = 2;
		const params = editParams({ options: { pollInterval: 0.5, timeout: 60, maxConcurrency: 4 } });
		const output = await runNode(createExecuteContext(contextFor(fake, params, { items: pngItems(10) })));
		expect(output.map((item) => item.json.status)).toEqual(Array(10).fill('completed'));
		expect(fake.tasks.size).toBe(10);
		expect(fake.countRequests('submit')).toBeLessThanOrEqual(13);
		expect(fake.peakRunningTasks).toBeLessThanOrEqual(2);
	});

	it('a 429 that is a rate limit, not a full account, waits it out without lowering Max Concurrency', async () => {
		// The first four submits are refused with WaveSpeed's generic "Too many requests". Before, each lowered the limit
		// to what was running (nothing: 1), and the rest of the batch crept back up one slot per four tasks.
		fake.faults.push({ route: 'submit', kind: 'status', status: 429, retryAfterSeconds: 0, times: 4 });
		const params = editParams({ options: { pollInterval: 0.5, timeout: 60, maxConcurrency: 4 } });
		const output = await runNode(createExecuteContext(contextFor(fake, params, { items: pngItems(8) })));
		expect(output.map((item) => item.json.status)).toEqual(Array(8).fill('completed'));
		expect(fake.tasks.size).toBe(8);
		expect(fake.peakRunningTasks).toBe(4);
	});

	it('a "too many concurrent tasks" 429 while nothing of ours runs backs off, then runs the batch', async () => {
		fake.faults.push({ route: 'submit', kind: 'status', status: 429, retryAfterSeconds: 0, times: 2, message: 'too many concurrent tasks' });
		const params = editParams({ options: { pollInterval: 0.5, timeout: 60, maxConcurrency: 2 } });
		const output = await runNode(createExecuteContext(contextFor(fake, params, { items: pngItems(4) })));
		expect(output.map((item) => item.json.status)).toEqual(Array(4).fill('completed'));
		expect(fake.tasks.size).toBe(4);
	});

	it('a slow download does not hold a task slot: the next task is submitted while it runs', async () => {
		fake.faults.push({ route: 'download', kind: 'delay', delayMs: 1500, times: 1 });
		const params = editParams({ options: { pollInterval: 0.5, timeout: 60, maxConcurrency: 1 } });
		await runNode(createExecuteContext(contextFor(fake, params, { items: pngItems(2) })));
		const submits = fake.requests.filter((request) => request.route === 'submit');
		expect(submits).toHaveLength(2);
		// In the local server's log: the second submit came before the first task's (delayed) output was sent. A slot
		// held through the download would put it after, however fast or slow the machine.
		const [first] = fake.tasks.values();
		expect(submits[1].seq).toBeLessThan(first.outputSentSeq!);
	});
});
