/**
 * The node under the settings a user can switch on in n8n (Retry On Fail, On Error, Stop), through n8n-core's real
 * executor: what n8n does with our output is n8n's own code here, not a model of it.
 */
import { Logger } from '@n8n/backend-common';
import { Container } from '@n8n/di';
import type { INode } from 'n8n-workflow';

import { startFakeWaveSpeed } from '../support/fakeWaveSpeed';
import type { FakeWaveSpeed } from '../support/fakeWaveSpeed';
import type { WorkflowHarness } from '../support/workflowHarness';
import { WAVESPEED_TYPE, chain, createWorkflowHarness, node } from '../support/workflowHarness';

const FAST = { pollInterval: 0.5 };
const start = (items: object[]) => node('Start', 'test.start', { items: JSON.stringify(items) });
const editUrls = (parameters: INode['parameters'] = {}, settings: Partial<INode> = {}) =>
	node(
		'Edit Image',
		WAVESPEED_TYPE,
		{ operation: 'editImage', imageSource: 'url', imageUrls: 'https://example.com/a.png', prompt: '={{ $json.p }}', options: FAST, ...parameters },
		settings,
	);
const prompts = (...values: unknown[]) => values.map((p) => ({ p }));

describe('n8n node settings, in n8n-core\'s executor', () => {
	let fake: FakeWaveSpeed;
	let harness: WorkflowHarness;
	let warnings: string[];
	beforeAll(async () => {
		fake = await startFakeWaveSpeed();
		harness = createWorkflowHarness('default', { apiKey: fake.options.apiKey, baseUrl: fake.url });
	});
	beforeEach(() => {
		warnings = [];
		jest.spyOn(Container.get(Logger), 'warn').mockImplementation((message: string) => void warnings.push(message));
	});
	afterEach(() => {
		jest.restoreAllMocks();
		fake.reset();
	});
	afterAll(async () => await fake.close());

	const nodeRuns = (result: Awaited<ReturnType<WorkflowHarness['run']>>, name = 'Edit Image') =>
		result.run.data.resultData.runData[name] ?? [];

	describe('Retry On Fail', () => {
		it('retries a batch with a refused item without paying for any item twice', async () => {
			const workflow = chain(
				start(prompts('a [inference:200]', 'refused [fail]', 'c [inference:200]')),
				editUrls({}, { retryOnFail: true, maxTries: 3, waitBetweenTries: 0 }),
			);
			const result = await harness.run(workflow);

			expect(result.run.status).toBe('error');
			expect(String(result.run.data.resultData.error?.message)).toContain('ended "failed"');
			// Before: 9 tasks (3 tries × 3 items). Each try after the first picks up the tasks of the first.
			expect(fake.tasks.size).toBe(3);
			expect(fake.countRequests('submit')).toBe(3);
			expect(fake.countRequests('result')).toBeGreaterThanOrEqual(3);
		});

		it('retries an item whose download failed by downloading again, not by submitting again', async () => {
			fake.faults.push({ route: 'download', kind: 'status', status: 404, times: 1 });
			const result = await harness.run(
				chain(start(prompts('one')), editUrls({}, { retryOnFail: true, maxTries: 3, waitBetweenTries: 0 })),
			);
			expect(result.run.status).toBe('success');
			const [item] = result.output('Edit Image');
			expect(item.binary?.data?.mimeType).toBe('image/png');
			expect(fake.tasks.size).toBe(1);
			expect(fake.countRequests('submit')).toBe(1);
		});

		it('with Continue On Fail and Retry On Fail, an error row does not re-bill the batch', async () => {
			// n8n also retries when the first output item carries `error`.
			const result = await harness.run(
				chain(
					start(prompts('refused [fail]', 'b')),
					editUrls({}, { retryOnFail: true, maxTries: 3, waitBetweenTries: 0, onError: 'continueRegularOutput' }),
				),
			);
			expect(result.run.status).toBe('success');
			expect(fake.tasks.size).toBe(2);
			const [failed, ok] = result.output('Edit Image');
			expect(failed.json).toMatchObject({ error: expect.stringContaining('ended "failed"'), id: expect.any(String) });
			expect(ok.json.status).toBe('completed');
		});

		it('refuses to submit again for an item whose submit reply was lost', async () => {
			fake.faults.push({ route: 'submit', kind: 'status', status: 502, times: 1 });
			const result = await harness.run(
				chain(start(prompts('lost reply')), editUrls({}, { retryOnFail: true, maxTries: 3, waitBetweenTries: 0 })),
			);
			expect(result.run.status).toBe('error');
			expect(String(result.run.data.resultData.error?.message)).toContain('Not submitted again');
			// The fake created the task before answering 502: one task, one submit, never a second.
			expect(fake.countRequests('submit')).toBe(1);
		});
	});

	describe('On Error', () => {
		it('"Continue (using error output)" sends exactly the failed items to the error output, with their task ids', async () => {
			const result = await harness.run(
				chain(start(prompts('a', 'refused [fail]', 'c', { not: 'text' })), editUrls({}, { onError: 'continueErrorOutput' })),
			);
			expect(result.run.status).toBe('success');
			const [success, errors] = nodeRuns(result)[0].data!.main;
			expect(success!.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 2 }]);
			expect(success!.every((item) => item.json.status === 'completed' && item.binary?.data)).toBe(true);

			expect(errors!.map((item) => item.pairedItem)).toEqual([{ item: 1 }, { item: 3 }]);
			const refused = [...fake.tasks.values()].find((task) => String(task.request.prompt).includes('[fail]'))!;
			expect(errors![0].json.error).toContain(refused.id);
			expect(errors![0].json.error).toContain('ended "failed"');
			expect(errors![0].error?.context.taskId).toBe(refused.id);
			expect(errors![1].json.error).toBe('Expected text, got an object [item 3, parameter "Prompt"]');
			expect(fake.tasks.size).toBe(3);
		});

		it('"Continue (regular output)" keeps {error, id} rows on the one output', async () => {
			const result = await harness.run(
				chain(start(prompts('a', 'refused [fail]')), editUrls({}, { onError: 'continueRegularOutput' })),
			);
			const [main, errorOutput] = nodeRuns(result)[0].data!.main;
			expect(errorOutput).toBeUndefined();
			expect(main![1].json).toEqual({ error: expect.stringContaining('ended "failed"'), id: expect.any(String) });
			expect(main![1].pairedItem).toEqual({ item: 1 });
		});
	});

	describe('validation of the whole batch', () => {
		it('an invalid item anywhere fails the node before any request', async () => {
			const result = await harness.run(chain(start(prompts('good', 'good', '')), editUrls({ options: { ...FAST, maxConcurrency: 1 } })));
			expect(result.run.status).toBe('error');
			expect(String(result.run.data.resultData.error?.message)).toBe('The prompt is empty [item 2, parameter "Prompt"]');
			expect(fake.requests).toHaveLength(0);
		});

		it.each([
			['an object', { a: 1 }, 'Expected text, got an object'],
			['an array', ['a', 'b'], 'Expected text, got an array'],
			['a boolean', true, 'Expected text, got a boolean'],
		])('a prompt that is %s sends nothing', async (_kind, prompt, message) => {
			const result = await harness.run(chain(start(prompts(prompt)), editUrls()));
			expect(String(result.run.data.resultData.error?.message)).toBe(`${message} [item 0, parameter "Prompt"]`);
			expect(fake.requests).toHaveLength(0);
		});

		it('a number prompt is taken as text', async () => {
			const result = await harness.run(chain(start(prompts(42)), editUrls()));
			expect(result.run.status).toBe('success');
			expect([...fake.tasks.values()][0].request.prompt).toBe('42');
		});
	});

	describe('Stop', () => {
		const waitFor = async (condition: () => boolean, limitMs = 10_000) => {
			for (const endMs = Date.now() + limitMs; !condition() && Date.now() < endMs; ) {
				await new Promise((resolve) => setTimeout(resolve, 50));
			}
			if (!condition()) throw new Error(`Not seen within ${limitMs} ms: ${String(condition)}`);
		};

		it('lets a held sync-mode submit finish, logs its task id, and submits nothing more', async () => {
			const started = await harness.start(
				chain(
					start(prompts('held [inference:2500]', 'second', 'third')),
					editUrls({ options: { ...FAST, syncMode: true, maxConcurrency: 1 } }),
				),
			);
			// Stopped while WaveSpeed holds the submit: the task exists, its reply (due 2.5 s later) has not come.
			await waitFor(() => fake.tasks.size === 1);
			started.stop();
			const result = await started.done;
			expect(result.run.status).toBe('canceled');

			await waitFor(() => warnings.length > 0);
			expect(fake.tasks.size).toBe(1);
			const [task] = fake.tasks.values();
			expect(warnings).toHaveLength(1);
			expect(warnings[0]).toContain(`WaveSpeed task ${task.id}`);
			expect(warnings[0]).toContain('workflow test-workflow');
			expect(warnings[0]).toMatch(/execution \d+/);
			expect(warnings[0]).toContain('item 0');
			expect(warnings[0]).toContain('collect it with Get Result');
			// Nothing was submitted after the Stop, even once the held submit came back. No sleep before counting: the node
			// writes these warnings once every item has ended (router.ts, after runPool), so no submit can follow them.
			expect(fake.countRequests('submit')).toBe(1);
		});

		it('logs the tasks other items paid for when the node fails fast', async () => {
			const result = await harness.run(
				chain(start(prompts('slow [inference:1500]', 'refused [fail]')), editUrls({ options: { ...FAST, maxConcurrency: 2 } })),
			);
			expect(result.run.status).toBe('error');
			const slow = [...fake.tasks.values()].find((task) => String(task.request.prompt).startsWith('slow'))!;
			expect(warnings.some((line) => line.includes(`WaveSpeed task ${slow.id}`) && line.includes('item 0'))).toBe(true);
		});
	});
});
