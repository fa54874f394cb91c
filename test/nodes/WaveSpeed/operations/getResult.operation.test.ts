import { useFakeWaveSpeed } from '../../../support/useFakeWaveSpeed';
import type { FakeWaveSpeed } from '../../../support/fakeWaveSpeed';
import { createExecuteContext, runNode } from '../../../support/executeContext';
import { contextFor, editParams, getResultParams } from '../../../support/builders';

describe('Get Result', () => {
	let fake: FakeWaveSpeed;
	useFakeWaveSpeed((started) => (fake = started));

	const submit = async (prompt: string) => {
		const params = editParams({ prompt, imageSource: 'url', imageUrls: 'https://example.com/a.png', waitForCompletion: false });
		const [item] = await runNode(createExecuteContext(contextFor(fake, params)));
		return item.json.id as string;
	};
	const failure = async (promise: Promise<unknown>) =>
		(await promise.then(
			() => undefined,
			(error: Error & { description?: string }) => error,
		))!;

	it('without waiting, returns the current state once', async () => {
		const taskId = await submit('slow [inference:2000]');
		const params = getResultParams(taskId, { waitForCompletion: false });
		const [item] = await runNode(createExecuteContext(contextFor(fake, params)));
		expect(item.json).toMatchObject({ id: taskId, status: expect.stringMatching(/created|processing/), outputs: [] });
		expect(item.binary).toBeUndefined();
		expect(fake.countRequests('result')).toBe(1);
	});

	it('waits for a running task and downloads its image', async () => {
		const taskId = await submit('[inference:700]');
		const [item] = await runNode(createExecuteContext(contextFor(fake, getResultParams(taskId))));
		expect(item.json).toMatchObject({ id: taskId, status: 'completed' });
		expect(item.binary?.data.mimeType).toBe('image/png');
		// One immediate poll, then one a poll interval (0.5 s) apart until done: no busy loop.
		expect(fake.countRequests('result')).toBeLessThanOrEqual(3);
	});

	it('downloads outputs WaveSpeed lists as {url} objects, as its own clients accept them', async () => {
		fake.options.outputsAsObjects = true;
		const taskId = await submit('[inference:10]');
		const [item] = await runNode(createExecuteContext(contextFor(fake, getResultParams(taskId))));
		expect(item.json).toMatchObject({ id: taskId, status: 'completed', outputs: [`${fake.url}/cdn/${taskId}/output-0.png`] });
		expect(item.binary?.data.mimeType).toBe('image/png');
		expect(fake.countRequests('download')).toBe(1);
	});

	// Issue 19 defect 4: this first read ignored the Timeout and retried the 429 for 12 reads (about 11 s).
	it.each([
		['without waiting', false],
		['before waiting', true],
	])("bounds the first read by the item's Timeout (%s): a 429 whose Retry-After outlasts it is not retried", async (_, waitForCompletion) => {
		const taskId = await submit('[inference:10]');
		fake.faults.push({ route: 'result', kind: 'status', status: 429, retryAfterSeconds: 1 });
		const params = getResultParams(taskId, { waitForCompletion, options: { pollInterval: 0.5, timeout: 1 } });
		const error = await failure(runNode(createExecuteContext(contextFor(fake, params))));
		expect(error.message).toContain('429');
		expect(fake.countRequests('result')).toBe(1);
	});

	it('fails an empty task ID before any request', async () => {
		const error = await failure(runNode(createExecuteContext(contextFor(fake, getResultParams('  ')))));
		expect(error.message).toBe('The task ID is empty [item 0, parameter "Task ID"]');
		expect(fake.requests).toHaveLength(0);
	});

	it('says WaveSpeed does not know an unknown task ID (404)', async () => {
		const error = await failure(runNode(createExecuteContext(contextFor(fake, getResultParams('nope')))));
		expect(error.message).toBe('WaveSpeed does not know task ID "nope" [item 0, parameter "Task ID"]');
		expect(fake.countRequests('result')).toBe(1);
	});

	it('fails a failed task with its reason, even without waiting', async () => {
		const taskId = await submit('[fail:1402] [inference:60000]');
		// Ended now on the local server's clock, not slept for: the read below sees "failed" whatever the machine's speed.
		fake.tasks.get(taskId)!.completeAtMs = Date.now();
		const params = getResultParams(taskId, { waitForCompletion: false });
		const error = await failure(runNode(createExecuteContext(contextFor(fake, params))));
		expect(error.message).toContain(`WaveSpeed task ${taskId} ended "failed"`);
		expect(error.message).toContain('code 1402: an input image could not be downloaded by WaveSpeed');
	});
});
