/**
 * End to end, in a real n8n 2.40.7: this package and WaveSpeed's own community node (@wavespeed/n8n-nodes-wavespeed)
 * installed side by side in one n8n, each running its own workflow with its own credential type against the local
 * WaveSpeed server. Both packages once named their credential type `wavespeedApi`; n8n keys credential types by name
 * across packages, so one replaced the other (ours lost its Base URL and failed every request).
 *
 * WaveSpeed's node calls https://api.wavespeed.ai, fixed in its code: n8n reaches that host through a proxy on
 * 127.0.0.1 (HTTPS_PROXY) that answers for it with a certificate made here and hands the requests to the local server.
 *
 * Its package comes from the npm registry (OFFICIAL_SPEC, packed once into .cache/official-node), or from the tarball
 * WAVESPEED_OFFICIAL_PACKAGE names. Where neither can be had the suite is skipped, and its title says why.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { PACKAGE_NAME, WAVESPEED_NODE_TYPE, createUserFolder, executeWorkflow, findRepoDir, getNodeOutput, importWorkflow, runN8nOrThrow } from '../../scripts/lib/localN8n';
import type { ApiHostInterceptor } from '../support/interceptApiHost';
import { interceptApiHost } from '../support/interceptApiHost';
import type { TestN8nWithFake } from '../support/useTestN8n';
import { useTestN8n } from '../support/useTestN8n';

const OFFICIAL_PACKAGE = '@wavespeed/n8n-nodes-wavespeed';
/** The versions read for this test (0.1.3: credential `wavespeedApi`, node `waveSpeed`, Generate Image). */
const OFFICIAL_SPEC = `${OFFICIAL_PACKAGE}@^0.1.3`;
const OFFICIAL_NODE_TYPE = `${OFFICIAL_PACKAGE}.waveSpeed`;
const API_HOST = 'api.wavespeed.ai';
const GENERATE_MODEL = 'openai/gpt-image-2/text-to-image';

/** The official package's tarball, or why there is none. */
function obtainOfficialPackage(): { tarball?: string; unavailable?: string } {
	const given = process.env.WAVESPEED_OFFICIAL_PACKAGE;
	if (given) return existsSync(given) ? { tarball: given } : { unavailable: `WAVESPEED_OFFICIAL_PACKAGE=${given} does not exist` };
	const cacheDir = join(findRepoDir(__dirname), '.cache', 'official-node');
	const cached = existsSync(cacheDir) ? readdirSync(cacheDir).find((file) => file.endsWith('.tgz')) : undefined;
	if (cached) return { tarball: join(cacheDir, cached) };
	mkdirSync(cacheDir, { recursive: true });
	const packed = spawnSync('npm', ['pack', '--loglevel=error', OFFICIAL_SPEC, '--pack-destination', cacheDir], { encoding: 'utf8', timeout: 120_000 });
	const file = packed.stdout?.trim().split('\n').pop();
	if (packed.status === 0 && file) return { tarball: join(cacheDir, file) };
	const errors = (packed.stderr || String(packed.error ?? '')).split('\n').filter((line) => /^npm error (code|\d{3}) /.test(line));
	const reason = errors.slice(0, 2).map((line) => line.replace(/^npm error /, '')).join('; ') || `exit ${packed.status}`;
	return { unavailable: `npm pack ${OFFICIAL_SPEC} failed: ${reason}` };
}

const official = obtainOfficialPackage();
const describeWithOfficial = official.tarball ? describe : describe.skip;
const title = official.tarball ? "in a real n8n, beside WaveSpeed's official node" : `beside WaveSpeed's official node (skipped: ${official.unavailable})`;
// Jest does not name the tests of a file it skips whole: say why here.
if (!official.tarball) console.warn(title);

function workflowOf(id: string, nodeType: string, parameters: Record<string, unknown>, credentials: Record<string, { id: string; name: string }>) {
	return {
		id,
		name: id,
		active: false,
		settings: { executionOrder: 'v1' },
		connections: { Start: { main: [[{ node: 'Generate', type: 'main', index: 0 }]] } },
		nodes: [
			{ id: `${id}1`, name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
			{ id: `${id}2`, name: 'Generate', type: nodeType, typeVersion: 1, position: [200, 0], parameters, credentials },
		],
	};
}

describeWithOfficial(title, () => {
	let n8n: TestN8nWithFake;
	let interceptor: ApiHostInterceptor;
	let env: NodeJS.ProcessEnv;
	const officialCredential = { id: 'officialWaveSpeedCred', name: "WaveSpeed (official node's credential)" };
	useTestN8n('wavespeed-e2e-beside-official', { inferenceMs: 300 }, (setup) => (n8n = setup));

	beforeAll(async () => {
		const { install, workDir, fake } = n8n;
		// Installed after ours into the same ~/.n8n/nodes, as Settings → Community Nodes would.
		createUserFolder(join(workDir, 'home'), official.tarball!);
		interceptor = await interceptApiHost(API_HOST, fake.url, workDir);
		env = { ...n8n.env, HTTPS_PROXY: interceptor.proxyUrl, NO_PROXY: '127.0.0.1,localhost', NODE_EXTRA_CA_CERTS: interceptor.certificateFile };
		const file = join(workDir, 'official-credential.json');
		writeFileSync(file, JSON.stringify([{ ...officialCredential, type: 'wavespeedApi', data: { apiKey: fake.options.apiKey } }]));
		await runN8nOrThrow(install, ['import:credentials', `--input=${file}`], env);
	}, 5 * 60_000);

	afterAll(async () => await interceptor?.close());

	it('has both packages installed in the same nodes folder, each with its own credential type', () => {
		const modules = join(n8n.workDir, 'home', '.n8n', 'nodes', 'node_modules');
		// Each package's credential classes, loaded as n8n loads them: n8n-workflow from n8n's own install.
		const credentialTypesOf = (packageName: string): string[] => {
			const manifest = JSON.parse(readFileSync(join(modules, packageName, 'package.json'), 'utf8')) as { n8n: { credentials: string[] } };
			const files = manifest.n8n.credentials.map((file) => join(modules, packageName, file));
			const script = `for (const file of ${JSON.stringify(files)}) for (const C of Object.values(require(file))) if (typeof C === 'function') console.log(new C().name);`;
			const output = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, NODE_PATH: join(n8n.install.cacheDir, 'node_modules') } });
			return output.trim().split('\n');
		};
		expect(credentialTypesOf(PACKAGE_NAME)).toEqual(['waveSpeedAiApi']);
		expect(credentialTypesOf(OFFICIAL_PACKAGE)).toEqual(['wavespeedApi']);
	});

	it('runs a workflow with our node (credential waveSpeedAiApi, Base URL kept) and one with the official node (wavespeedApi)', async () => {
		const { install, workDir, fake, credential } = n8n;
		const ours = workflowOf('besideOfficialOurs', WAVESPEED_NODE_TYPE, { operation: 'generateImage', prompt: 'A lighthouse at dawn', options: { pollInterval: 0.5 } }, { waveSpeedAiApi: credential });
		const theirs = workflowOf(
			'besideOfficialTheirs',
			OFFICIAL_NODE_TYPE,
			{ resource: 'media', operation: 'generateImage', model: GENERATE_MODEL, prompt: 'A harbour at dusk', options: { pollInterval: 1 } },
			{ wavespeedApi: officialCredential },
		);
		await importWorkflow(install, env, ours, workDir);
		await importWorkflow(install, env, theirs, workDir);

		const ourRecord = await executeWorkflow(install, env, ours.id);
		expect(ourRecord.data.resultData.error).toBeUndefined();
		expect(ourRecord.status).toBe('success');
		const [ourItem] = getNodeOutput(ourRecord, 'Generate');
		expect(ourItem.json).toMatchObject({ status: 'completed', model: GENERATE_MODEL });
		expect(ourItem.binary?.data?.mimeType).toBe('image/png');
		// Ours went straight to the Base URL of its credential, never through the proxy to the real host.
		expect(interceptor.requests).toEqual([]);

		const theirRecord = await executeWorkflow(install, env, theirs.id);
		expect(theirRecord.data.resultData.error).toBeUndefined();
		expect(theirRecord.status).toBe('success');
		const [theirItem] = getNodeOutput(theirRecord, 'Generate');
		expect(theirItem.json).toMatchObject({ model: GENERATE_MODEL, urls: [expect.stringMatching(/^http/)] });

		// Two tasks on the local server, one per package; the official node's went to api.wavespeed.ai (through the
		// proxy), as its code says, signed by its own credential.
		expect([...fake.tasks.keys()].sort()).toEqual([String(ourItem.json.id), String(theirItem.json.id)].sort());
		expect(fake.tasks.get(String(theirItem.json.id))?.request).toMatchObject({ prompt: 'A harbour at dusk' });
		expect(new Set(interceptor.connects)).toEqual(new Set([`${API_HOST}:443`]));
		// The official node names itself 'n8n-nodes-wavespeed' in X-Client-Name (its GenericFunctions.ts); ours sends its own
		// package name (test/nodes/WaveSpeed/transport/clientHeaders.test.ts), so WaveSpeed can tell the two apart.
		const submit = interceptor.requests.find((entry) => entry.method === 'POST');
		expect(submit).toMatchObject({ path: `/api/v3/${GENERATE_MODEL}`, headers: { authorization: `Bearer ${fake.options.apiKey}`, 'x-client-name': 'n8n-nodes-wavespeed' } });
		expect(interceptor.requests.filter((entry) => entry.method === 'GET').every((entry) => entry.path === `/api/v3/predictions/${String(theirItem.json.id)}/result`)).toBe(true);
	}, 240_000);
});
