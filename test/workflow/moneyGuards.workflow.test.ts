/**
 * Issue 22 through n8n-core's real executor: Max Cost per Run and Check Balance First stop a batch before anything is
 * sent; a submit refused for insufficient balance stops new submits, under each On Error setting and Retry On Fail.
 */
import type { INode, INodeExecutionData } from 'n8n-workflow';

import { startFakeWaveSpeed } from '../support/fakeWaveSpeed';
import type { FakeWaveSpeed } from '../support/fakeWaveSpeed';
import type { WorkflowHarness } from '../support/workflowHarness';
import { WAVESPEED_TYPE, chain, createWorkflowHarness, node } from '../support/workflowHarness';

const start = (count: number) => node('Start', 'test.start', { items: JSON.stringify(Array.from({ length: count }, (_, i) => ({ p: `item ${i}` }))) });
/** Generate Image, medium quality at 1k: $0.06 a task in the estimated price table and on the local server. */
const generate = (options: Record<string, unknown>, settings: Partial<INode> = {}) =>
	node(
		'Generate',
		WAVESPEED_TYPE,
		{ operation: 'generateImage', prompt: '={{ $json.p }}', aspectRatio: '1:1', resolution: '1k', quality: 'medium', options: { pollInterval: 0.5, ...options } },
		settings,
	);

describe("money guards, in n8n-core's executor", () => {
	let fake: FakeWaveSpeed;
	let harness: WorkflowHarness;
	beforeAll(async () => {
		fake = await startFakeWaveSpeed({ inferenceMs: 100 });
		harness = createWorkflowHarness('default', { apiKey: fake.options.apiKey, baseUrl: fake.url });
	});
	afterEach(() => fake.reset());
	afterAll(async () => await fake.close());

	const outputs = (result: Awaited<ReturnType<WorkflowHarness['run']>>) => result.run.data.resultData.runData.Generate?.[0]?.data?.main ?? [];
	const errorText = (item: INodeExecutionData) => String(item.json.error);

	it('Max Cost per Run just below the estimate: the workflow fails with both figures and nothing is sent; just above: 10 tasks', async () => {
		const below = await harness.run(chain(start(10), generate({ maxCostUsd: 0.59 })));
		expect(below.run.status).toBe('error');
		expect(below.run.data.resultData.error?.message).toBe('Not sent: the estimated cost $0.60 of 10 item(s) is over Max Cost per Run ($0.59)');
		// Only GPT Image 2's free price quote, once for the 10 items.
		expect(fake.requests.map((request) => request.route)).toEqual(['pricing']);

		const above = await harness.run(chain(start(10), generate({ maxCostUsd: 0.61 })));
		expect(above.run.status).toBe('success');
		expect(above.output('Generate').map((item) => item.json.status)).toEqual(Array(10).fill('completed'));
		expect(fake.tasks.size).toBe(10);
	});

	it('a balance for 3 of 10 items: one balance request, nothing sent', async () => {
		fake.account.setBalance(0.18);
		const result = await harness.run(chain(start(10), generate({})));
		expect(result.run.status).toBe('error');
		expect(result.run.data.resultData.error?.message).toBe('Not sent: the account balance $0.18 is below the estimated cost $0.60 of 10 item(s)');
		expect(fake.requests.map((request) => request.route)).toEqual(['pricing', 'balance']);
		expect(fake.tasks.size).toBe(0);
	});

	it('check off, error output: 3 paid on the success output, 7 on the error output, 4 submits', async () => {
		fake.account.setBalance(0.18);
		const result = await harness.run(chain(start(10), generate({ checkBalance: false, maxConcurrency: 1 }, { onError: 'continueErrorOutput' })));
		expect(result.run.status).toBe('success');
		const [success, failed] = outputs(result);
		expect(success!.map((item) => item.pairedItem)).toEqual([0, 1, 2].map((item) => ({ item })));
		expect(success!.every((item) => item.json.status === 'completed' && item.binary?.data)).toBe(true);
		expect(failed!.map((item) => item.pairedItem)).toEqual([3, 4, 5, 6, 7, 8, 9].map((item) => ({ item })));
		expect(errorText(failed![0])).toBe('WaveSpeed refused this for insufficient balance (402): Insufficient balance: please top up your account');
		for (const item of failed!.slice(1)) expect(errorText(item)).toBe('Not submitted: WaveSpeed refused an earlier task of this run for insufficient balance');
		expect(fake.tasks.size).toBe(3);
		expect(fake.countRequests('generate')).toBe(4);
	});

	it('check off, no Continue On Fail, Retry On Fail 3 tries: the node fails naming the 3 paid tasks, and no try submits again', async () => {
		fake.account.setBalance(0.18);
		const result = await harness.run(chain(start(10), generate({ checkBalance: false, maxConcurrency: 1 }, { retryOnFail: true, maxTries: 3, waitBetweenTries: 0 })));
		expect(result.run.status).toBe('error');
		const error = result.run.data.resultData.error as Error & { description?: string };
		expect(error.message).toMatch(/insufficient balance/);
		expect(fake.tasks.size).toBe(3);
		for (const task of fake.tasks.values()) expect(error.description).toContain(task.id);
		// Before the gate was kept across tries: 4 submits, then 2 more tries each refused again.
		expect(fake.countRequests('generate')).toBe(4);
		expect(fake.account.refusedSubmits).toBe(1);
	});

	it('check off, regular output, Max Concurrency 3: 3 paid, 7 errors, only in-flight submits refused', async () => {
		fake.account.setBalance(0.18);
		const result = await harness.run(chain(start(10), generate({ checkBalance: false, maxConcurrency: 3 }, { onError: 'continueRegularOutput' })));
		const [items] = outputs(result);
		expect(items!.filter((item) => item.json.status === 'completed')).toHaveLength(3);
		const failed = items!.filter((item) => item.json.status === undefined);
		expect(failed).toHaveLength(7);
		for (const item of failed) expect(errorText(item)).toMatch(/insufficient balance/);
		expect(fake.tasks.size).toBe(3);
		expect(fake.account.refusedSubmits).toBeGreaterThanOrEqual(1);
		expect(fake.account.refusedSubmits).toBeLessThanOrEqual(3);
		expect(fake.countRequests('generate')).toBe(3 + fake.account.refusedSubmits);
	});
});
