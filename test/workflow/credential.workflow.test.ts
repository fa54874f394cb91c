/**
 * The credential in a batch, through n8n-core's real executor and request helpers: n8n reads a credential from its
 * database and decrypts it on every getCredentials() call, and httpRequestWithAuthentication makes one more per
 * request unless it is handed the credential. A wide batch asks once (nodes/WaveSpeed/transport/credential.ts).
 */
import { startFakeWaveSpeed } from '../support/fakeWaveSpeed';
import type { FakeWaveSpeed } from '../support/fakeWaveSpeed';
import type { WorkflowHarness } from '../support/workflowHarness';
import { WAVESPEED_TYPE, chain, createWorkflowHarness, node } from '../support/workflowHarness';

const ITEMS = 12;

describe('the credential in a batch, in n8n-core\'s executor', () => {
	let fake: FakeWaveSpeed;
	let harness: WorkflowHarness;
	beforeAll(async () => {
		fake = await startFakeWaveSpeed({ inferenceMs: 300 });
		harness = createWorkflowHarness('default', { apiKey: fake.options.apiKey, baseUrl: fake.url });
	});
	afterAll(async () => await fake.close());

	it('is decrypted once per node run, not once per request, and every API request carries its key', async () => {
		const prompts = Array.from({ length: ITEMS }, (_, index) => ({ p: `Product ${index}` }));
		const workflow = chain(
			node('Start', 'test.start', { items: JSON.stringify(prompts) }),
			node('Generate', WAVESPEED_TYPE, { operation: 'generateImage', prompt: '={{ $json.p }}', options: { pollInterval: 0.5, maxConcurrency: 4 } }),
		);
		const result = await harness.run(workflow);

		expect(result.run.status).toBe('success');
		expect(result.output('Generate').map((item) => item.json.status)).toEqual(Array(ITEMS).fill('completed'));
		const apiRequests = fake.requests.filter((request) => request.path.startsWith('/api/'));
		// Balance, price, a submit and at least one poll per item: each went out with the key.
		expect(apiRequests.length).toBeGreaterThanOrEqual(2 * ITEMS);
		expect(apiRequests.every((request) => request.headers.authorization === `Bearer ${fake.options.apiKey}`)).toBe(true);
		// Before: once per submit, per poll (twice: ours and the helper's) and per cost estimate, about 4 × ITEMS.
		expect(result.credentialDecryptions).toBe(1);
	});
});
