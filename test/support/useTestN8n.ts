/**
 * For an end-to-end suite: a real n8n with this package installed (scripts/lib/localN8n), the local WaveSpeed server,
 * and a WaveSpeed credential pointing at it, set up once for the describe block and cleaned up after. The suite's
 * workflows run in one n8n server (test/support/suiteN8nServer.ts), started on its first executeWorkflow.
 */
import { rmSync } from 'node:fs';

import type { N8nInstall } from '../../scripts/lib/localN8n';
import { findRepoDir, importCredential, prepareTestN8n } from '../../scripts/lib/localN8n';
import { startFakeWaveSpeed } from './fakeWaveSpeed';
import { useSuiteN8nServer } from './suiteN8nServer';
import type { FakeOptions, FakeWaveSpeed } from './fakeWaveSpeed';

export interface TestN8nWithFake {
	install: N8nInstall;
	env: NodeJS.ProcessEnv;
	workDir: string;
	fake: FakeWaveSpeed;
	credential: { id: string; name: string };
}

export function useTestN8n(prefix: string, fakeOptions: Partial<FakeOptions>, onReady: (setup: TestN8nWithFake) => void): void {
	const credential = { id: `${prefix.replace(/\W/g, '')}Cred`, name: 'WaveSpeed (local test server)' };
	let setup: TestN8nWithFake | undefined;
	beforeAll(async () => {
		const { install, workDir, env } = await prepareTestN8n(findRepoDir(__dirname), `${prefix}-`);
		const fake = await startFakeWaveSpeed(fakeOptions);
		setup = { install, env, workDir, fake, credential };
		await importCredential(install, env, { ...credential, apiKey: fake.options.apiKey, baseUrl: fake.url }, workDir);
		onReady(setup);
	}, 15 * 60_000);
	const suiteServer = useSuiteN8nServer(() => setup);
	afterEach(() => setup?.fake.reset());
	afterAll(async () => {
		await suiteServer.stop();
		await setup?.fake.close();
		if (setup?.workDir) rmSync(setup.workDir, { recursive: true, force: true });
	});
}
