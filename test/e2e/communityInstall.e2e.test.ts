/**
 * End to end, the way users get the package: it is published to a private npm registry on 127.0.0.1 (Verdaccio), and
 * a real n8n 2.40.7 pointed at that registry (N8N_COMMUNITY_PACKAGES_REGISTRY) installs it through its own
 * community-package installer, the REST calls of Settings → Community Nodes, signed in as the owner:
 * POST /rest/community-packages {name} installs, PATCH {name} updates to the latest version, DELETE ?name= uninstalls.
 * A workflow with the installed node runs in between. Also: a plain `npm install n8n-nodes-wavespeed-models` in a nodes
 * folder (the README's manual path) under Node 20 and Node 24 installs this package alone.
 *
 * A custom registry is a licensed feature in n8n; n8n's own end-to-end mode (E2E_TESTS=true) lets a test switch a
 * licensed feature on (PATCH /rest/e2e/feature), which is how n8n's tests reach this path. Every outbound request n8n
 * makes is sent to a closed port on 127.0.0.1 (HTTP(S)_PROXY), so nothing leaves this machine.
 */
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { N8nInstall } from '../../scripts/lib/localN8n';
import {
	PACKAGE_NAME,
	WAVESPEED_NODE_TYPE,
	executeWorkflow,
	findRepoDir,
	getFreePort,
	getNodeOutput,
	importCredential,
	importWorkflow,
	installN8n,
	n8nEnvironment,
	packPackage,
	startN8nServer,
	stopN8nServer,
} from '../../scripts/lib/localN8n';
import type { LocalRegistry } from '../../scripts/lib/localRegistry';
import { publishTarball, startLocalRegistry } from '../../scripts/lib/localRegistry';
import type { N8nRestClient } from '../../scripts/lib/n8nServer';
import { DEMO_OWNER, ownerServerEnvironment, signInAsOwner } from '../../scripts/lib/n8nServer';
import { startFakeWaveSpeed } from '../support/fakeWaveSpeed';
import type { FakeWaveSpeed } from '../support/fakeWaveSpeed';

const CREDENTIAL = { id: 'e2eInstallCred', name: 'WaveSpeed (local test server)' };
const WORKFLOW = {
	id: 'e2eInstalledNode',
	name: 'WaveSpeed from the community-package installer',
	active: false,
	settings: { executionOrder: 'v1' },
	connections: { Start: { main: [[{ node: 'Balance', type: 'main', index: 0 }]] } },
	nodes: [
		{ id: 'i1', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
		{ id: 'i2', name: 'Balance', type: WAVESPEED_NODE_TYPE, typeVersion: 1, position: [200, 0], parameters: { operation: 'getBalance' }, credentials: { waveSpeedAiApi: CREDENTIAL } },
	],
};

interface InstalledPackage {
	packageName: string;
	installedVersion: string;
	failedLoading?: boolean;
	installedNodes: Array<{ type: string; name: string }>;
}

/** The same package under the next patch version: what a release after this one looks like in the registry. */
function repackWithNextVersion(tarball: string, dir: string): { dir: string; version: string } {
	mkdirSync(dir, { recursive: true });
	execFileSync('tar', ['-xzf', tarball, '-C', dir]);
	const manifestPath = join(dir, 'package', 'package.json');
	const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { version: string };
	const [major, minor, patch] = manifest.version.split(/[.-]/).map(Number);
	manifest.version = `${major}.${minor}.${patch + 1}`;
	writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
	return { dir: join(dir, 'package'), version: manifest.version };
}

/** Every folder in a node_modules tree, as paths relative to it ("a", "@scope/b", "a/node_modules/c"). */
function listPackages(nodeModules: string, prefix = ''): string[] {
	if (!existsSync(nodeModules)) return [];
	return readdirSync(nodeModules, { withFileTypes: true })
		.filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
		.flatMap((entry) =>
			entry.name.startsWith('@')
				? listPackages(join(nodeModules, entry.name), `${prefix}${entry.name}/`)
				: [`${prefix}${entry.name}`, ...listPackages(join(nodeModules, entry.name, 'node_modules'), `${prefix}${entry.name}/node_modules/`)],
		);
}

describe('installed by n8n from a registry, and by npm', () => {
	const repoDir = findRepoDir(__dirname);
	let install: N8nInstall;
	let workDir: string;
	let registry: LocalRegistry;
	let fake: FakeWaveSpeed;
	let server: ChildProcess | undefined;
	let client: N8nRestClient;
	let env: NodeJS.ProcessEnv;
	let tarball: string;
	let version: string;
	const nodesDir = () => join(String(env.N8N_USER_FOLDER), '.n8n', 'nodes');

	/**
	 * `n8n execute` beside the running server, on the same database and nodes folder: its own task-broker port, and
	 * n8n's default log level (the run record is an info line).
	 */
	async function runInstalledWorkflow() {
		const brokerPort = String(await getFreePort());
		return await executeWorkflow(install, { ...env, N8N_RUNNERS_BROKER_PORT: brokerPort, N8N_LOG_LEVEL: 'info' }, WORKFLOW.id);
	}

	beforeAll(async () => {
		install = installN8n(repoDir);
		workDir = mkdtempSync(join(tmpdir(), 'wavespeed-install-e2e-'));
		registry = await startLocalRegistry(repoDir, join(workDir, 'registry'), install.nodeBin);
		tarball = packPackage(repoDir, join(workDir, 'pack'));
		version = (JSON.parse(readFileSync(join(repoDir, 'package.json'), 'utf8')) as { version: string }).version;
		publishTarball(registry, tarball);
		fake = await startFakeWaveSpeed({ inferenceMs: 300 });

		const port = await getFreePort();
		const closedPort = await getFreePort(); // nothing listens there: every outbound request fails at once
		mkdirSync(join(workDir, 'home'));
		env = n8nEnvironment(join(workDir, 'home'), await getFreePort(), {
			...ownerServerEnvironment(install, port, DEMO_OWNER),
			N8N_COMMUNITY_PACKAGES_REGISTRY: registry.url,
			E2E_TESTS: 'true',
			HTTP_PROXY: `http://127.0.0.1:${closedPort}`,
			HTTPS_PROXY: `http://127.0.0.1:${closedPort}`,
			NO_PROXY: '127.0.0.1,localhost',
			// The npm that n8n runs: this registry for every command (also `npm outdated`), a cache of its own.
			npm_config_registry: `${registry.url}/`,
			npm_config_cache: join(workDir, 'npm-cache'),
			N8N_LOG_LEVEL: 'warn',
		});
		await importCredential(install, env, { ...CREDENTIAL, apiKey: fake.options.apiKey, baseUrl: fake.url }, workDir);
		await importWorkflow(install, env, WORKFLOW, workDir);
		server = await startN8nServer(install, env, port);
		const baseUrl = `http://127.0.0.1:${port}`;
		const feature = await fetch(`${baseUrl}/rest/e2e/feature`, {
			method: 'PATCH',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ feature: 'feat:communityNodes:customRegistry', enabled: true }),
		});
		expect(feature.status).toBe(200);
		client = await signInAsOwner(baseUrl, DEMO_OWNER);
	}, 10 * 60_000);

	afterAll(async () => {
		if (server) await stopN8nServer(server);
		await registry?.stop();
		await fake?.close();
		if (workDir) rmSync(workDir, { recursive: true, force: true });
	});

	it('installs it from the registry (POST /rest/community-packages) and runs a workflow with it', async () => {
		expect(existsSync(join(nodesDir(), 'node_modules', PACKAGE_NAME))).toBe(false);
		const installed = await client.call<InstalledPackage>('POST', '/community-packages', { name: PACKAGE_NAME });

		expect(installed).toMatchObject({ packageName: PACKAGE_NAME, installedVersion: version });
		expect(installed.installedNodes.map((node) => node.type).sort()).toEqual([WAVESPEED_NODE_TYPE, `${WAVESPEED_NODE_TYPE}Trigger`]);
		const [listed] = await client.call<InstalledPackage[]>('GET', '/community-packages');
		expect(listed).toMatchObject({ packageName: PACKAGE_NAME, installedVersion: version, failedLoading: false });
		// n8n's installer stripped the peer dependency: the node uses n8n's own n8n-workflow.
		expect(listPackages(join(nodesDir(), 'node_modules'))).toEqual([PACKAGE_NAME]);

		const record = await runInstalledWorkflow();
		expect(record.status).toBe('success');
		expect(getNodeOutput(record, 'Balance').map((item) => item.json)).toEqual([{ balance: 42.5, currency: 'USD' }]);
	}, 5 * 60_000);

	it('updates it to the newer version published since (PATCH /rest/community-packages)', async () => {
		const next = repackWithNextVersion(tarball, join(workDir, 'next'));
		publishTarball(registry, next.dir);

		const updated = await client.call<InstalledPackage>('PATCH', '/community-packages', { name: PACKAGE_NAME });

		expect(updated).toMatchObject({ packageName: PACKAGE_NAME, installedVersion: next.version });
		const [listed] = await client.call<InstalledPackage[]>('GET', '/community-packages');
		expect(listed).toMatchObject({ installedVersion: next.version, failedLoading: false });
		const onDisk = JSON.parse(readFileSync(join(nodesDir(), 'node_modules', PACKAGE_NAME, 'package.json'), 'utf8')) as { version: string };
		expect(onDisk.version).toBe(next.version);
		const record = await runInstalledWorkflow();
		expect(record.status).toBe('success');
		expect(getNodeOutput(record, 'Balance')).toHaveLength(1);
	}, 5 * 60_000);

	it('uninstalls it (DELETE /rest/community-packages?name=)', async () => {
		await client.call('DELETE', `/community-packages?name=${PACKAGE_NAME}`);

		expect(await client.call<InstalledPackage[]>('GET', '/community-packages')).toEqual([]);
		expect(existsSync(join(nodesDir(), 'node_modules', PACKAGE_NAME))).toBe(false);
	}, 5 * 60_000);

	// The README's manual path. A required peer dependency made npm add n8n-workflow (and its native isolated-vm build,
	// which fails on Node 20); this registry has no n8n-workflow, so such an install fails here.
	it.each([
		['Node 20 or whichever runs jest', () => process.execPath],
		['Node 24, as n8n 2.x runs on', () => install.nodeBin],
	])('`npm install n8n-nodes-wavespeed-models` in a nodes folder adds this package alone (%s)', (_, nodeBin) => {
		const dir = join(workDir, `manual-${Math.random().toString(36).slice(2)}`);
		mkdirSync(dir);
		writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'installed-nodes', private: true, dependencies: {} }));
		const npmCli = realpathSync(execFileSync('bash', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim());
		execFileSync(nodeBin(), [npmCli, 'install', PACKAGE_NAME, '--userconfig', registry.npmrc, '--cache', join(workDir, 'npm-cache'), '--no-audit', '--no-fund'], {
			cwd: dir,
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		expect(listPackages(join(dir, 'node_modules'))).toEqual([PACKAGE_NAME]);
	}, 120_000);
});
