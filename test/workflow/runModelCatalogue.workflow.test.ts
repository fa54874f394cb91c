/**
 * Run Model under Retry On Fail while WaveSpeed's model catalogue is down, through n8n-core's real executor (it makes
 * a new context for each try, with the same input items): a failed catalogue read is not kept for the next try.
 */
import { DEFAULT_RETRY_POLICY } from '../../nodes/WaveSpeed/transport/retry';
import { startFakeWaveSpeed } from '../support/fakeWaveSpeed';
import type { FakeWaveSpeed } from '../support/fakeWaveSpeed';
import type { WorkflowHarness } from '../support/workflowHarness';
import { WAVESPEED_TYPE, chain, createWorkflowHarness, node } from '../support/workflowHarness';

const UPSCALER = 'wavespeed-ai/image-upscaler';

describe('Run Model, Retry On Fail and a catalogue outage, in n8n-core\'s executor', () => {
	let fake: FakeWaveSpeed;
	let harness: WorkflowHarness;
	beforeAll(async () => {
		fake = await startFakeWaveSpeed();
		harness = createWorkflowHarness('default', { apiKey: fake.options.apiKey, baseUrl: fake.url });
	});
	afterEach(() => fake.reset());
	afterAll(async () => await fake.close());

	const upscale = () =>
		node(
			'Upscale',
			WAVESPEED_TYPE,
			{
				operation: 'runModel',
				model: { __rl: true, mode: 'id', value: UPSCALER },
				inputs: { mappingMode: 'defineBelow', value: { image: 'https://example.com/a.png', target_resolution: '2k' } },
				// Long enough for one catalogue read's every retry (it waits at most 20 s, and never past the Timeout).
				options: { pollInterval: 0.5, timeout: 25 },
			},
			{ retryOnFail: true, maxTries: 3, waitBetweenTries: 0 },
		);

	it('an outage that outlasts one read\'s retries: the next try reads the catalogue again and checks the inputs', async () => {
		// Down for exactly one read (every attempt of it answered 500); the first try then fails on its download.
		fake.faults.push({ route: 'models', kind: 'status', status: 500, times: DEFAULT_RETRY_POLICY.maxAttempts });
		fake.faults.push({ route: 'download', kind: 'status', status: 404, times: 1 });
		const result = await harness.run(chain(node('Start', 'test.start', { items: JSON.stringify([{}]) }), upscale()));

		// Before: the first try's failed read was kept, so every try failed with "WaveSpeed answered 500" and no task.
		expect(result.run.status).toBe('success');
		const [item] = result.output('Upscale');
		expect(item.json).toMatchObject({ status: 'completed', inputsChecked: true, estimatedCostUsd: 0.01, costSource: 'quote' });
		expect(item.binary?.data?.mimeType).toBe('image/png');
		// One task: the retry picked up the first try's (sent unchecked). The catalogue was read again after the outage.
		expect(fake.tasks.size).toBe(1);
		const routes = fake.requests.map((request) => request.route);
		expect(routes.filter((route) => route === 'model')).toHaveLength(1);
		expect(routes.filter((route) => route === 'models')).toHaveLength(DEFAULT_RETRY_POLICY.maxAttempts + 1);
		expect(routes.lastIndexOf('models')).toBeGreaterThan(routes.indexOf('model'));
	});
});
