/**
 * What `npm start` and `npm run demo` share: the package installed into a local n8n under .cache/demo, a credential
 * (the real API with WAVESPEED_API_KEY, otherwise the local WaveSpeed-compatible server) and the example workflow.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { startFakeWaveSpeed } from '../../test/support/fakeWaveSpeed.ts';
import type { FakeWaveSpeed } from '../../test/support/fakeWaveSpeed.ts';
import { makePlaceholderPng } from '../../test/support/placeholderPng.ts';
import type { N8nInstall } from './localN8n.ts';
import {
	createUserFolder,
	findRepoDir,
	getFreePort,
	importCredential,
	importWorkflow,
	loadExampleWorkflow,
	n8nEnvironment,
	packPackage,
} from './localN8n.ts';

export interface DemoSetup {
	repoDir: string;
	install: N8nInstall;
	env: NodeJS.ProcessEnv;
	workflowId: string;
	inputImage: string;
	outputImage: string;
	/** Set when no API key was given: the local server the credential points at. */
	fake?: FakeWaveSpeed;
	credentialName: string;
}

export const DEFAULT_PROMPT = 'Place this product on a white marble table in a bright photo studio, soft shadows';

/** The install made by scripts/with-n8n.sh, which runs these scripts with n8n's Node 24. */
export function getInstallFromEnvironment(): N8nInstall {
	const { N8N_CMD, N8N_NODE_BIN, N8N_CACHE_DIR } = process.env;
	if (!N8N_CMD || !N8N_NODE_BIN || !N8N_CACHE_DIR) throw new Error('Run this through scripts/with-n8n.sh');
	return { n8nCmd: N8N_CMD, nodeBin: N8N_NODE_BIN, cacheDir: N8N_CACHE_DIR };
}

export async function setUpDemo(options: {
	inputImage?: string;
	outputImage?: string;
	prompt?: string;
	extraEnv?: Record<string, string>;
	/** Where n8n's user folder and the files go: .cache/demo unless given (the editor check in tests uses its own). */
	demoDir?: string;
}): Promise<DemoSetup> {
	const repoDir = findRepoDir();
	const install = getInstallFromEnvironment();
	const demoDir = options.demoDir ?? join(repoDir, '.cache', 'demo');
	const filesDir = join(demoDir, 'files');
	mkdirSync(filesDir, { recursive: true });

	log('building and installing the package into the local n8n…');
	createUserFolder(join(demoDir, 'home'), packPackage(repoDir, join(demoDir, 'pack')));

	const inputImage = options.inputImage ?? join(filesDir, 'product.png');
	if (!options.inputImage && !existsSync(inputImage)) {
		writeFileSync(inputImage, makePlaceholderPng({ width: 512, height: 512, seed: 'sample product', comment: 'Sample input' }));
	}
	const outputImage = options.outputImage ?? join(filesDir, 'edited.png');
	const env = n8nEnvironment(join(demoDir, 'home'), await getFreePort(), {
		N8N_RESTRICT_FILE_ACCESS_TO: [filesDir, dirOf(inputImage), dirOf(outputImage)].join(';'),
		...options.extraEnv,
	});

	const apiKey = process.env.WAVESPEED_API_KEY;
	let fake: FakeWaveSpeed | undefined;
	let credential;
	if (apiKey) {
		const baseUrl = process.env.WAVESPEED_BASE_URL ?? 'https://api.wavespeed.ai';
		credential = { id: 'wavespeedDemoCred', name: 'WaveSpeed account', apiKey, baseUrl };
	} else {
		fake = await startFakeWaveSpeed({ apiKey: 'local-demo-key', inferenceMs: 3000, outputWidth: 512, outputHeight: 512 }, 0);
		credential = { id: 'wavespeedDemoCred', name: 'WaveSpeed (local demo)', apiKey: 'local-demo-key', baseUrl: fake.url };
		log(`no WAVESPEED_API_KEY: the local WaveSpeed-compatible server at ${fake.url} answers (placeholder images)`);
	}
	await importCredential(install, env, credential, demoDir);

	const workflow = loadExampleWorkflow(repoDir, {
		inputImage,
		outputImage,
		prompt: options.prompt ?? DEFAULT_PROMPT,
		credentialId: credential.id,
		credentialName: credential.name,
	});
	await importWorkflow(install, env, workflow, demoDir);
	return { repoDir, install, env, workflowId: String(workflow.id), inputImage, outputImage, fake, credentialName: credential.name };
}

function dirOf(file: string): string {
	return join(file, '..');
}

export function log(message: string): void {
	process.stderr.write(`[wavespeed-demo] ${message}\n`);
}
