/**
 * End to end: the packed package installed into a real n8n 2.40.7 (as Settings → Community Nodes would), a credential
 * and workflows imported with the n8n CLI, executed with `n8n execute`, against the local WaveSpeed-compatible server.
 * The first run installs n8n into .cache/n8n (about 4 minutes); later runs reuse it.
 */
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { N8nInstall } from '../../scripts/lib/localN8n';
import {
	WAVESPEED_NODE_TYPE,
	executeWorkflow,
	findRepoDir,
	prepareTestN8n,
	getNodeOutput,
	importCredential,
	importWorkflow,
	loadExampleWorkflow,
} from '../../scripts/lib/localN8n';
import { startFakeWaveSpeed } from '../support/fakeWaveSpeed';
import { useSuiteN8nServer } from '../support/suiteN8nServer';
import type { FakeWaveSpeed } from '../support/fakeWaveSpeed';
import { makePlaceholderPng, readPngSize } from '../support/placeholderPng';

const CREDENTIAL = { id: 'e2eWaveSpeedCred', name: 'WaveSpeed (local test server)' };
const credentials = { waveSpeedAiApi: CREDENTIAL };

describe('in a real n8n', () => {
	let install: N8nInstall;
	let fake: FakeWaveSpeed;
	let workDir: string;
	let env: NodeJS.ProcessEnv;

	beforeAll(async () => {
		({ install, workDir, env } = await prepareTestN8n(findRepoDir(__dirname), 'wavespeed-e2e-'));
		fake = await startFakeWaveSpeed({ inferenceMs: 300 });
		await importCredential(install, env, { ...CREDENTIAL, apiKey: fake.options.apiKey, baseUrl: fake.url }, workDir);
	}, 15 * 60_000);
	const suiteServer = useSuiteN8nServer(() => install && { install, env });

	afterEach(() => fake?.reset());
	afterAll(async () => {
		await suiteServer.stop();
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

	it('imports every example workflow, and runs "submit now, collect later" end to end', async () => {
		const examplesDir = join(findRepoDir(__dirname), 'examples');
		for (const file of readdirSync(examplesDir).filter((name) => name.endsWith('.workflow.json'))) {
			const example = JSON.parse(readFileSync(join(examplesDir, file), 'utf8')) as { nodes: Array<Record<string, unknown>> };
			for (const node of example.nodes) {
				if (node.credentials) node.credentials = credentials;
				// The example waits 30 s for the tasks; a second is enough against the local server.
				if (node.type === 'n8n-nodes-base.wait') node.parameters = { amount: 1 };
			}
			await importWorkflow(install, env, example, workDir);
		}

		const record = await executeWorkflow(install, env, 'wavespeedSubmitThenGet');
		expect(record.status).toBe('success');
		const submitted = getNodeOutput(record, 'Submit edits');
		expect(submitted.map((item) => item.json.status)).toEqual(['created', 'created']);
		expect(submitted.every((item) => item.binary === undefined)).toBe(true);
		const collected = getNodeOutput(record, 'Collect results');
		expect(collected.map((item) => [item.json.id, item.json.status])).toEqual(submitted.map((item) => [item.json.id, 'completed']));
		expect(collected.every((item) => item.binary?.data?.mimeType === 'image/png')).toBe(true);
		expect(fake.tasks.size).toBe(2);
	}, 180_000);

	it('generates an image from text, with its cost, and reads the balance', async () => {
		const workflow = {
			id: 'e2eWaveSpeedGenerate',
			name: 'WaveSpeed generate and balance',
			active: false,
			settings: { executionOrder: 'v1' },
			connections: {
				Start: { main: [[{ node: 'Generate', type: 'main', index: 0 }]] },
				Generate: { main: [[{ node: 'Balance', type: 'main', index: 0 }]] },
			},
			nodes: [
				{ id: 'g1', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
				{
					id: 'g2',
					name: 'Generate',
					type: WAVESPEED_NODE_TYPE,
					typeVersion: 1,
					position: [200, 0],
					parameters: { operation: 'generateImage', prompt: 'A lighthouse at dawn', aspectRatio: '16:9', quality: 'high', resolution: '2k', options: { pollInterval: 0.5 } },
					credentials,
				},
				{ id: 'g3', name: 'Balance', type: WAVESPEED_NODE_TYPE, typeVersion: 1, position: [400, 0], parameters: { operation: 'getBalance' }, credentials },
			],
		};
		await importWorkflow(install, env, workflow, workDir);
		const record = await executeWorkflow(install, env, workflow.id);

		expect(record.status).toBe('success');
		const [generated] = getNodeOutput(record, 'Generate');
		expect(generated.json).toMatchObject({ status: 'completed', model: 'openai/gpt-image-2/text-to-image', estimatedCostUsd: 0.44 });
		expect(generated.json.images).toEqual([expect.objectContaining({ binaryProperty: 'data', mimeType: 'image/png', width: 64, height: 64 })]);
		expect(generated.binary?.data?.mimeType).toBe('image/png');
		expect(getNodeOutput(record, 'Balance').map((item) => item.json)).toEqual([{ balance: 42.5, currency: 'USD' }]);
		expect([...fake.tasks.values()].map((task) => task.request)).toEqual([{ prompt: 'A lighthouse at dawn', aspect_ratio: '16:9', resolution: '2k', quality: 'high' }]);
	}, 120_000);
});
