/**
 * A describe block's local WaveSpeed server, n8n's deduplication store (in memory, as n8n's behaves) and n8n-core's
 * executor, reset after each test: what the suites about keys and recovery across executions share.
 */
import { startFakeWaveSpeed } from './fakeWaveSpeed';
import type { FakeWaveSpeed } from './fakeWaveSpeed';
import { installProcessedDataStore } from './processedDataStore';
import type { InMemoryProcessedDataStore } from './processedDataStore';
import { createWorkflowHarness } from './workflowHarness';
import type { WorkflowHarness } from './workflowHarness';

export interface StoreSuite {
	fake: FakeWaveSpeed;
	store: InMemoryProcessedDataStore;
	harness: WorkflowHarness;
}

export function useStoreSuite(): StoreSuite {
	const suite = {} as StoreSuite;
	beforeAll(async () => {
		suite.fake = await startFakeWaveSpeed();
		suite.store = await installProcessedDataStore();
		suite.harness = createWorkflowHarness('default', { apiKey: suite.fake.options.apiKey, baseUrl: suite.fake.url });
	});
	afterEach(() => {
		suite.fake.reset();
		suite.store.reset();
	});
	afterAll(async () => await suite.fake.close());
	return suite;
}
