/**
 * End to end: the packed package installed into a real n8n 2.40.7 (as Settings → Community Nodes would), a credential
 * and workflows imported with the n8n CLI, executed with `n8n execute`, against the local WaveSpeed-compatible server.
 * The first run installs n8n into .cache/n8n (about 4 minutes); later runs reuse it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { N8nInstall } from '../../scripts/lib/localN8n';
import {
	WAVESPEED_NODE_TYPE,
	createUserFolder,
	executeWorkflow,
	findRepoDir,
	getFreePort,
	getNodeOutput,
	importCredential,
	importWorkflow,
	installN8n,
	loadExampleWorkflow,
	n8nEnvironment,
	packPackage,
} from '../../scripts/lib/localN8n';
import { startFakeWaveSpeed } from '../support/fakeWaveSpeed';
import type { FakeWaveSpeed } from '../support/fakeWaveSpeed';
import { makePlaceholderPng, readPngSize } from '../support/placeholderPng';

const CREDENTIAL = { id: 'e2eWaveSpeedCred', name: 'WaveSpeed (local test server)' };
const credentials = { wavespeedApi: CREDENTIAL };

describe('in a real n8n', () => {
	let install: N8nInstall;
	let fake: FakeWaveSpeed;
	let workDir: string;
	let env: NodeJS.ProcessEnv;

	beforeAll(async () => {
		const repoDir = findRepoDir(__dirname);
		install = installN8n(repoDir);
		workDir = mkdtempSync(join(tmpdir(), 'wavespeed-e2e-'));
		const tarball = packPackage(repoDir, join(workDir, 'pack'));
		createUserFolder(join(workDir, 'home'), tarball);
		fake = await startFakeWaveSpeed({ inferenceMs: 300 });
		env = n8nEnvironment(join(workDir, 'home'), await getFreePort(), { N8N_RESTRICT_FILE_ACCESS_TO: workDir });
		await importCredential(install, env, { ...CREDENTIAL, apiKey: fake.options.apiKey, baseUrl: fake.url }, workDir);
	}, 15 * 60_000);

	afterEach(() => fake?.reset());
	afterAll(async () => {
		await fake?.close();
		if (workDir) rmSync(workDir, { recursive: true, force: true });
	});

	it('runs the example workflow: photo from disk → WaveSpeed Edit Image → edited image on disk', async () => {
		const inputImage = join(workDir, 'product.png');
		const outputImage = join(workDir, 'edited.png');
		writeFileSync(inputImage, makePlaceholderPng({ seed: 'product photo', width: 96, height: 48 }));
		const workflow = loadExampleWorkflow(findRepoDir(__dirname), {
			inputImage,
			outputImage,
			prompt: 'Put the product on a marble table',
			credentialId: CREDENTIAL.id,
			credentialName: CREDENTIAL.name,
		});
		await importWorkflow(install, env, workflow, workDir);

		const record = await executeWorkflow(install, env, String(workflow.id));
		expect(record.status).toBe('success');
		const [item] = getNodeOutput(record, 'WaveSpeed');
		const taskId = String(item.json.id);
		expect(item.json).toMatchObject({ status: 'completed', model: 'openai/gpt-image-2/edit', error: '' });
		expect(item.binary?.data).toMatchObject({ mimeType: 'image/png', fileName: `${taskId}.png`, fileExtension: 'png' });

		// The edited image on disk is the one the server made for this task.
		const written = readFileSync(outputImage);
		expect(readPngSize(written)).toEqual({ width: 64, height: 64 });
		expect(written.toString('latin1')).toContain('PLACEHOLDER from the local WaveSpeed test server');
		// The input went up through the presigned PUT, byte for byte, and the key stayed on the API host.
		const [put] = fake.requests.filter((request) => request.route === 'put');
		expect(put.bodyBytes).toBe(readFileSync(inputImage).length);
		expect(put.headers.authorization).toBeUndefined();
		expect(fake.tasks.size).toBe(1);
	}, 120_000);

	it('edits URL inputs for a batch of 10 items under 429s and 500s: 10 outputs, exactly 10 tasks', async () => {
		fake.faults.push(
			{ route: 'api', kind: 'status', status: 429, every: 4, retryAfterSeconds: 0 },
			{ route: 'result', kind: 'status', status: 500, every: 3, retryAfterSeconds: 0 },
		);
		const workflow = {
			id: 'e2eWaveSpeedBatch',
			name: 'WaveSpeed batch of URLs',
			active: false,
			settings: { executionOrder: 'v1' },
			connections: {
				Start: { main: [[{ node: 'Items', type: 'main', index: 0 }]] },
				Items: { main: [[{ node: 'WaveSpeed', type: 'main', index: 0 }]] },
			},
			nodes: [
				{ id: 'n1', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
				{
					id: 'n2',
					name: 'Items',
					type: 'n8n-nodes-base.code',
					typeVersion: 2,
					position: [200, 0],
					parameters: {
						jsCode: "return Array.from({ length: 10 }, (_, i) => ({ json: { url: `https://images.example.com/${i}.png`, style: i % 2 ? 'studio' : 'outdoor' } }));",
					},
				},
				{
					id: 'n3',
					name: 'WaveSpeed',
					type: WAVESPEED_NODE_TYPE,
					typeVersion: 1,
					position: [400, 0],
					parameters: {
						operation: 'editImage',
						prompt: '=Make it a {{ $json.style }} advert',
						imageSource: 'url',
						imageUrls: '={{ [$json.url] }}',
						aspectRatio: '4:5',
						options: { pollInterval: 0.5, maxConcurrency: 5 },
					},
					credentials,
				},
			],
		};
		await importWorkflow(install, env, workflow, workDir);
		const record = await executeWorkflow(install, env, workflow.id);

		expect(record.status).toBe('success');
		const output = getNodeOutput(record, 'WaveSpeed');
		expect(output).toHaveLength(10);
		expect(output.map((item) => item.json.status)).toEqual(Array(10).fill('completed'));
		expect(output.map((item) => item.pairedItem)).toEqual(Array.from({ length: 10 }, (_, item) => ({ item })));
		expect(fake.tasks.size).toBe(10);
		const requests = [...fake.tasks.values()].map((task) => task.request);
		expect(requests.map((request) => (request.images as string[])[0]).sort()).toEqual(
			Array.from({ length: 10 }, (_, i) => `https://images.example.com/${i}.png`).sort(),
		);
		expect(new Set(requests.map((request) => request.prompt))).toEqual(new Set(['Make it a studio advert', 'Make it a outdoor advert']));
		expect(requests.every((request) => request.aspect_ratio === '4:5')).toBe(true);
		expect(fake.faults.every((rule) => (rule.hits ?? 0) > 0)).toBe(true);
	}, 180_000);
});
