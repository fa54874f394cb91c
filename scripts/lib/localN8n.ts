/**
 * A real n8n (2.40.7, installed by scripts/install-n8n.sh) with this package installed as a community node: used by
 * the end-to-end test, `npm start` and `npm run demo`. Node built-ins only, and erasable TypeScript, so both jest and
 * Node 24 (type stripping) can run it. N8N_E2E_VERSION picks another n8n (`1` = the n8n 1.x the tests cover).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

import { packPackage } from './packPackage.ts';

export { packPackage };

export const PACKAGE_NAME = 'n8n-nodes-wavespeed-models';
export const WAVESPEED_NODE_TYPE = `${PACKAGE_NAME}.waveSpeed`;

export interface N8nInstall {
	/** The wrapper that runs n8n with Node 24 first on PATH (n8n spawns its task runner as plain `node`). */
	n8nCmd: string;
	nodeBin: string;
	cacheDir: string;
	/** The n8n version installed, e.g. "2.40.7" (unknown: the default one). */
	version?: string;
}

/** The n8n the tests, `npm start` and the demo run by default. */
export const DEFAULT_N8N_VERSION = '2.40.7';
/** The n8n 1.x release the end-to-end tests cover (`N8N_E2E_VERSION=1`): the last 1.x line. */
export const N8N_V1_VERSION = '1.123.81';

/** N8N_E2E_VERSION: a full version, or `1` for N8N_V1_VERSION; unset, the default n8n. */
export function selectedN8nVersion(): string {
	const wanted = process.env.N8N_E2E_VERSION?.trim();
	if (!wanted) return DEFAULT_N8N_VERSION;
	return wanted === '1' ? N8N_V1_VERSION : wanted;
}

export function n8nMajor(install: N8nInstall): number {
	return Number((install.version ?? DEFAULT_N8N_VERSION).split('.')[0]);
}

/**
 * Where the selected n8n is installed: the default one in $N8N_CACHE_DIR or .cache/n8n as before; another version in
 * $N8N_E2E_CACHE_DIR or .cache/n8n-v<major>, so it never replaces the default install.
 */
function installLocation(repoDir: string): Record<string, string> {
	const version = selectedN8nVersion();
	if (version === DEFAULT_N8N_VERSION) return {};
	const cacheDir = process.env.N8N_E2E_CACHE_DIR || join(repoDir, '.cache', `n8n-v${version.split('.')[0]}`);
	return { N8N_VERSION: version, N8N_CACHE_DIR: cacheDir };
}

/** The repository root: the nearest folder up from `start` whose package.json is this package. */
export function findRepoDir(start = process.cwd()): string {
	for (let dir = resolve(start); ; dir = resolve(dir, '..')) {
		const manifest = join(dir, 'package.json');
		if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === PACKAGE_NAME) return dir;
		if (dir === resolve(dir, '..')) throw new Error(`No ${PACKAGE_NAME} checkout above ${start}`);
	}
}

/** Installs n8n into .cache/n8n on first use (a few minutes), then returns at once. Throws with the install's reason. */
export function installN8n(repoDir: string): N8nInstall {
	// Not jest's NODE_ENV=test: n8n then logs nothing, and the install's smoke test reads n8n's output.
	const inherited = Object.entries(process.env).filter(([name]) => !/^(NODE_ENV|JEST_.*)$/.test(name));
	const env = { ...Object.fromEntries(inherited), ...installLocation(repoDir) };
	const result = spawnSync('bash', [join(repoDir, 'scripts/install-n8n.sh')], {
		env,
		encoding: 'utf8',
		stdio: ['ignore', 'pipe', 'pipe'],
		maxBuffer: 16 * 1024 * 1024,
	});
	if (result.status !== 0) {
		const lastLines = String(result.stderr ?? result.error ?? '').trimEnd().split('\n').slice(-25).join('\n');
		throw new Error(`scripts/install-n8n.sh failed (exit code ${result.status}); its last lines:\n${lastLines}`);
	}
	const exports = Object.fromEntries(
		[...result.stdout.matchAll(/^export (\w+)='([^']*)'$/gm)].map((match) => [match[1], match[2]]),
	);
	const install = { n8nCmd: exports.N8N_CMD, nodeBin: exports.N8N_NODE_BIN, cacheDir: exports.N8N_CACHE_DIR };
	return { ...install, version: exports.N8N_INSTALLED_VERSION };
}

/**
 * A fresh n8n user folder with the packed package installed under .n8n/nodes, as Settings → Community Nodes does.
 * Peer dependencies are skipped (like n8n's own installer), so n8n-workflow comes from n8n itself.
 */
export function createUserFolder(userFolder: string, tarball: string): void {
	const nodesDir = join(userFolder, '.n8n', 'nodes');
	mkdirSync(nodesDir, { recursive: true });
	if (!existsSync(join(nodesDir, 'package.json'))) {
		writeFileSync(join(nodesDir, 'package.json'), JSON.stringify({ name: 'installed-nodes', private: true }));
	}
	execFileSync(
		'npm',
		['install', '--legacy-peer-deps', '--ignore-scripts', '--no-package-lock', '--no-audit', '--no-fund', tarball],
		{ cwd: nodesDir, stdio: ['ignore', 'ignore', 'inherit'] },
	);
}

export async function getFreePort(): Promise<number> {
	return await new Promise((resolvePort, reject) => {
		const server = createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address() as { port: number };
			server.close(() => resolvePort(port));
		});
	});
}

export interface TestN8n {
	install: N8nInstall;
	/** A fresh temp folder: the packed package, the n8n user folder (home/) and the files n8n may read and write. */
	workDir: string;
	env: NodeJS.ProcessEnv;
}

/** For an end-to-end test: n8n installed, this package packed and installed into a fresh user folder. */
export async function prepareTestN8n(repoDir: string, prefix: string): Promise<TestN8n> {
	const install = installN8n(repoDir);
	const workDir = mkdtempSync(join(tmpdir(), prefix));
	createUserFolder(join(workDir, 'home'), packPackage(repoDir, join(workDir, 'pack')));
	const env = n8nEnvironment(join(workDir, 'home'), await getFreePort(), { N8N_RESTRICT_FILE_ACCESS_TO: workDir });
	return { install, workDir, env };
}

/** Quiet, offline settings: no telemetry, no template or package look-ups, loopback only. */
export function n8nEnvironment(userFolder: string, brokerPort: number, extra: Record<string, string> = {}) {
	// Not jest's NODE_ENV=test (n8n then logs nothing, and --rawOutput is a log line), nor this shell's N8N_* settings.
	const inherited = Object.fromEntries(
		Object.entries(process.env).filter(([name]) => !/^(N8N_|DB_|NODE_ENV$|JEST_)/.test(name)),
	);
	return {
		...inherited,
		N8N_USER_FOLDER: userFolder,
		DB_TYPE: 'sqlite',
		N8N_ENCRYPTION_KEY: 'n8n-nodes-wavespeed-local-key',
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_WHATS_NEW_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_VERIFIED_PACKAGES_ENABLED: 'false',
		N8N_UNVERIFIED_PACKAGES_ENABLED: 'true',
		N8N_HIRING_BANNER_ENABLED: 'false',
		N8N_DYNAMIC_BANNERS_ENABLED: 'false',
		// n8n 1.x has no such module and refuses to start when it is named.
		...(selectedN8nVersion().startsWith('1.') ? {} : { N8N_DISABLED_MODULES: 'mcp-registry' }),
		N8N_RUNNERS_BROKER_LISTEN_ADDRESS: '127.0.0.1',
		N8N_RUNNERS_BROKER_PORT: String(brokerPort),
		...extra,
	};
}

export interface RunResult {
	code: number | null;
	stdout: string;
}

/** Runs one n8n CLI command to its end, from the user folder so no stray .env is read. */
export async function runN8n(install: N8nInstall, args: string[], env: NodeJS.ProcessEnv): Promise<RunResult> {
	return await new Promise((resolveRun, reject) => {
		const child = spawn(install.n8nCmd, args, { cwd: env.N8N_USER_FOLDER, env, stdio: ['ignore', 'pipe', 'pipe'] });
		let stdout = '';
		child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
		child.stderr.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
		child.on('error', reject);
		child.on('close', (code) => resolveRun({ code, stdout }));
	});
}

/** What n8n's import commands print once the import is stored. */
const IMPORTED = /Successfully imported \d+ (workflow|credential)/;

/**
 * Runs an n8n CLI command and throws unless it did its work. n8n can crash while exiting (a segfault, seen under CPU
 * load) after the work is done, so an exit code other than 0 still counts when the output shows the work done
 * (`done`; by default the import commands' closing line).
 */
export async function runN8nOrThrow(install: N8nInstall, args: string[], env: NodeJS.ProcessEnv, done = IMPORTED): Promise<string> {
	const result = await runN8n(install, args, env);
	if (result.code !== 0 && !done.test(result.stdout)) {
		throw new Error(`n8n ${args.join(' ')} exited ${result.code}:\n${result.stdout.slice(-4000)}`);
	}
	return result.stdout;
}

/**
 * `n8n execute --rawOutput` prints the run record as an info log, between other log lines: it starts at a line that
 * is exactly "{" and ends at the next line that is exactly "}".
 */
export function extractRunRecord(stdout: string): RunRecord {
	const lines = stdout.split('\n');
	const start = lines.indexOf('{');
	const end = lines.indexOf('}', start);
	if (start < 0 || end < 0) throw new Error(`No run record in n8n's output:\n${stdout.slice(-4000)}`);
	return JSON.parse(lines.slice(start, end + 1).join('\n')) as RunRecord;
}

export interface RunItem {
	json: Record<string, unknown>;
	binary?: Record<string, { mimeType: string; fileName?: string; fileExtension?: string; id?: string; fileSize?: string }>;
	pairedItem?: unknown;
}

export interface RunRecord {
	status: string;
	data: {
		resultData: {
			runData: Record<string, Array<{ data?: { main: RunItem[][] } }>>;
			error?: { message: string; description?: string };
			lastNodeExecuted?: string;
		};
	};
}

export function getNodeOutput(record: RunRecord, nodeName: string): RunItem[] {
	return record.data.resultData.runData[nodeName]?.[0]?.data?.main[0] ?? [];
}

export interface CredentialInput {
	id: string;
	name: string;
	apiKey: string;
	baseUrl: string;
}

/**
 * A long-running n8n that imports and runs a test suite's workflows through its REST API, as the editor does, instead
 * of one n8n CLI process (a full n8n start-up, seconds each) per import and per run: test/support/suiteN8nServer.ts.
 * Registered per user folder; importCredential, importWorkflow, executeWorkflow, activateWorkflow and startN8nServer
 * below use it when one is registered for their env.
 */
export interface WorkflowServer {
	/** True while its n8n runs: imports then go through it, not the CLI. */
	readonly running: boolean;
	importCredential(credential: CredentialInput): Promise<void>;
	importWorkflow(workflow: object): Promise<void>;
	/** Starts n8n (with `env`) when it is not running, then runs the saved workflow from its trigger to the end. */
	execute(workflowId: string, env: NodeJS.ProcessEnv): Promise<RunRecord>;
	/**
	 * Stops n8n, so that another n8n (the CLI, or a test's own server) can take over the user folder; returns the
	 * workflows n8n saved under another id than their own (n8n 1.x picks its own), for the CLI to import with theirs.
	 */
	release(): Promise<object[]>;
	/** CPU time n8n's process spent during the last execute() (ms), where the platform says. */
	readonly lastRunCpuMs?: number;
}

const workflowServers = new Map<string, WorkflowServer>();

/** Routes the n8n CLI helpers below for `env`'s user folder through `server` (undefined: back to the CLI). */
export function registerWorkflowServer(env: NodeJS.ProcessEnv, server: WorkflowServer | undefined): void {
	if (server) workflowServers.set(String(env.N8N_USER_FOLDER), server);
	else workflowServers.delete(String(env.N8N_USER_FOLDER));
}

/** CPU time (ms) the n8n process spent in the last workflow run of `env`'s server; undefined for a CLI run. */
export function lastRunCpuMs(env: NodeJS.ProcessEnv): number | undefined {
	return workflowServerFor(env)?.lastRunCpuMs;
}

function workflowServerFor(env: NodeJS.ProcessEnv): WorkflowServer | undefined {
	return env.N8N_USER_FOLDER ? workflowServers.get(env.N8N_USER_FOLDER) : undefined;
}

/** Stops a registered workflow server, then imports with the CLI what it had saved under other ids. */
async function releaseWorkflowServer(install: N8nInstall, env: NodeJS.ProcessEnv): Promise<void> {
	const server = workflowServerFor(env);
	if (!server?.running) return;
	for (const workflow of await server.release()) await importWorkflowWithCli(install, env, workflow, String(env.N8N_USER_FOLDER));
}

export async function importCredential(install: N8nInstall, env: NodeJS.ProcessEnv, credential: CredentialInput, dir: string) {
	const server = workflowServerFor(env);
	if (server?.running) return await server.importCredential(credential);
	const file = join(dir, `credential-${credential.id}.json`);
	const data = { apiKey: credential.apiKey, baseUrl: credential.baseUrl };
	writeFileSync(file, JSON.stringify([{ id: credential.id, name: credential.name, type: 'waveSpeedAiApi', data }]));
	await runN8nOrThrow(install, ['import:credentials', `--input=${file}`], env);
}

export async function importWorkflow(install: N8nInstall, env: NodeJS.ProcessEnv, workflow: object, dir: string) {
	const server = workflowServerFor(env);
	if (server?.running) return await server.importWorkflow(workflow);
	await importWorkflowWithCli(install, env, workflow, dir);
}

async function importWorkflowWithCli(install: N8nInstall, env: NodeJS.ProcessEnv, workflow: object, dir: string) {
	const { id } = workflow as { id: string };
	const file = join(dir, `workflow-${id}.json`);
	writeFileSync(file, JSON.stringify(workflow));
	await runN8nOrThrow(install, ['import:workflow', `--input=${file}`], env);
}

/** Makes a workflow's triggers live: `publish:workflow` in n8n 2.x, `update:workflow --active=true` in 1.x. */
export async function activateWorkflow(install: N8nInstall, env: NodeJS.ProcessEnv, workflowId: string): Promise<void> {
	await releaseWorkflowServer(install, env);
	const args = n8nMajor(install) >= 2 ? ['publish:workflow', `--id=${workflowId}`] : ['update:workflow', `--id=${workflowId}`, '--active=true'];
	await runN8nOrThrow(install, args, env);
}

export async function executeWorkflow(install: N8nInstall, env: NodeJS.ProcessEnv, workflowId: string): Promise<RunRecord> {
	const server = workflowServerFor(env);
	if (server) return await server.execute(workflowId, env);
	const result = await runN8n(install, ['execute', `--id=${workflowId}`, '--rawOutput'], env);
	return extractRunRecord(result.stdout);
}

/** The example workflow, with this machine's file paths, the prompt and the credential put in. */
export function loadExampleWorkflow(
	repoDir: string,
	values: { inputImage: string; outputImage: string; prompt: string; credentialId: string; credentialName: string },
): Record<string, unknown> {
	const workflow = JSON.parse(readFileSync(join(repoDir, 'examples', 'edit-image-from-file.workflow.json'), 'utf8')) as {
		nodes: Array<{ name: string; parameters: Record<string, unknown>; credentials?: Record<string, { id: string; name: string }> }>;
	};
	const byName = (name: string) => workflow.nodes.find((node) => node.name === name)!;
	byName('Read product photo').parameters.fileSelector = values.inputImage;
	byName('Save edited image').parameters.fileName = values.outputImage;
	byName('WaveSpeed').parameters.prompt = values.prompt;
	byName('WaveSpeed').credentials = { waveSpeedAiApi: { id: values.credentialId, name: values.credentialName } };
	return workflow;
}

/** Starts `n8n start` in the background; resolves once /healthz/readiness answers ok (it took 110 s on a loaded 2-core machine). */
export async function startN8nServer(
	install: N8nInstall,
	env: NodeJS.ProcessEnv,
	port: number,
	/** Receives n8n's log output instead of this process's terminal (tests read the log). */
	onOutput?: (text: string) => void,
): Promise<ChildProcess> {
	await releaseWorkflowServer(install, env);
	const stdio = onOutput ? 'pipe' : 'inherit';
	const child = spawn(install.n8nCmd, ['start'], { cwd: env.N8N_USER_FOLDER, env, stdio: ['ignore', stdio, stdio] });
	child.stdout?.on('data', (chunk: Buffer) => onOutput?.(chunk.toString()));
	child.stderr?.on('data', (chunk: Buffer) => onOutput?.(chunk.toString()));
	const deadlineMs = Date.now() + 300_000;
	while (Date.now() < deadlineMs) {
		if (child.exitCode !== null) throw new Error(`n8n start exited with code ${child.exitCode}`);
		const ready = await fetch(`http://127.0.0.1:${port}/healthz/readiness`).then(
			(response) => response.ok,
			() => false,
		);
		if (ready) return child;
		await new Promise((resolveWait) => setTimeout(resolveWait, 500));
	}
	child.kill('SIGTERM');
	throw new Error('n8n did not become ready within 300 s');
}

/** Stops a server from startN8nServer: SIGTERM, then SIGKILL if n8n's graceful shutdown has not ended it in 10 s. */
export async function stopN8nServer(child: ChildProcess): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null) return;
	const exited = new Promise((resolveExit) => child.once('exit', resolveExit));
	child.kill('SIGTERM');
	const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
	await exited;
	clearTimeout(killer);
}

export function listFiles(dir: string): string[] {
	return existsSync(dir) ? readdirSync(dir) : [];
}
