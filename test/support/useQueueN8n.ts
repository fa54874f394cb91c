/**
 * For a queue-mode end-to-end suite: Redis, Postgres, an n8n main process and workers with this package installed
 * (scripts/lib/queueMode), the local WaveSpeed server, a WaveSpeed credential and the suite's workflows (imported and
 * published), set up once for the describe block and torn down after. The owner is signed in on the main process.
 */
import { rmSync } from 'node:fs';

import type { N8nInstall } from '../../scripts/lib/localN8n';
import { activateWorkflow, findRepoDir, importCredential, importWorkflow, prepareTestN8n } from '../../scripts/lib/localN8n';
import { N8nRestClient } from '../../scripts/lib/n8nRest';
import type { QueueN8n, Service } from '../../scripts/lib/queueMode';
import { queueEnvironment, startPostgres, startQueueN8n, startRedis } from '../../scripts/lib/queueMode';
import { startFakeWaveSpeed } from './fakeWaveSpeed';
import type { FakeOptions, FakeWaveSpeed } from './fakeWaveSpeed';

export interface QueueStack {
	install: N8nInstall;
	workDir: string;
	fake: FakeWaveSpeed;
	queue: QueueN8n;
	rest: N8nRestClient;
}

export interface QueueSuite {
	/** The temporary folder's prefix. */
	prefix: string;
	fakeOptions: Partial<FakeOptions>;
	credential: { id: string; name: string };
	workflows: Array<{ id: string }>;
	workerCount: number;
	/** Executions each worker runs at once. */
	concurrency: number;
	/** More settings for every n8n process (e.g. N8N_GRACEFUL_SHUTDOWN_TIMEOUT). */
	env?: Record<string, string>;
}

export function useQueueN8n(suite: QueueSuite, onReady: (stack: QueueStack) => void): void {
	let workDir: string | undefined;
	let fake: FakeWaveSpeed | undefined;
	let redis: Service | undefined;
	let postgres: (Service & { dir: string }) | undefined;
	let queue: QueueN8n | undefined;

	beforeAll(async () => {
		const repoDir = findRepoDir(__dirname);
		const prepared = await prepareTestN8n(repoDir, suite.prefix);
		const { install } = prepared;
		workDir = prepared.workDir;
		fake = await startFakeWaveSpeed(suite.fakeOptions);
		redis = await startRedis(repoDir, workDir);
		postgres = await startPostgres(repoDir);
		const env = { ...queueEnvironment(prepared.env, redis.port, postgres.port), ...suite.env };
		await importCredential(install, env, { ...suite.credential, apiKey: fake.options.apiKey, baseUrl: fake.url }, workDir);
		for (const workflow of suite.workflows) {
			await importWorkflow(install, env, workflow, workDir);
			await activateWorkflow(install, env, workflow.id);
		}
		queue = await startQueueN8n(install, env, { workerCount: suite.workerCount, concurrency: suite.concurrency });
		const rest = new N8nRestClient(queue.mainUrl);
		await rest.setUpOwner();
		onReady({ install, workDir, fake, queue, rest });
	}, 15 * 60_000);

	afterAll(async () => {
		await queue?.stop();
		await Promise.all([redis?.stop(), postgres?.stop()]);
		await fake?.close();
		if (postgres) rmSync(postgres.dir, { recursive: true, force: true });
		if (workDir) rmSync(workDir, { recursive: true, force: true });
	}, 120_000);
}
