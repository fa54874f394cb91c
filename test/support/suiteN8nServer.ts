/**
 * One `n8n start` per end-to-end suite, started on the suite's first workflow run: its workflows and credentials are
 * saved and run through n8n's REST API as the editor does ("Execute workflow"), and the execution n8n stored (status,
 * run data, error) is what the test reads. It replaces one n8n CLI process per import and per `n8n execute`, each a
 * full n8n start-up. Registered for the suite's user folder, so the harness calls of scripts/lib/localN8n
 * (importCredential, importWorkflow, executeWorkflow) go through it unchanged; activateWorkflow and startN8nServer stop
 * it first, for the tests that start their own n8n (webhooks, restarts).
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

import type { CredentialInput, N8nInstall, RunRecord, WorkflowServer } from '../../scripts/lib/localN8n';
import { getFreePort, registerWorkflowServer, startN8nServer, stopN8nServer } from '../../scripts/lib/localN8n';
import { N8nRestClient } from '../../scripts/lib/n8nRest';
import type { WorkflowBody } from '../../scripts/lib/n8nRest';

/** The longest one workflow run may take here; each test's own timeout is shorter and ends it first. */
const RUN_LIMIT_MS = 10 * 60_000;

export class SuiteN8nServer implements WorkflowServer {
	/** n8n's log output since the server started (shown when a run cannot be read back). */
	log = '';
	/** CPU time (user + system) n8n's main process spent during the last execute(), where Linux's /proc says. */
	lastRunCpuMs?: number;
	private child?: ChildProcess;
	private rest?: N8nRestClient;
	private starting?: Promise<void>;
	/** The id n8n gave each credential and workflow saved through it, by the id the test gave (n8n 1.x makes its own). */
	private readonly credentialIds = new Map<string, string>();
	private readonly workflowIds = new Map<string, string>();
	private readonly workflows = new Map<string, WorkflowBody>();

	constructor(
		private readonly install: N8nInstall,
		private env: NodeJS.ProcessEnv,
	) {}

	get running(): boolean {
		return this.child !== undefined;
	}

	async importCredential(credential: CredentialInput): Promise<void> {
		const rest = await this.client();
		const data = { apiKey: credential.apiKey, baseUrl: credential.baseUrl };
		this.credentialIds.set(credential.id, await rest.createCredential({ name: credential.name, type: 'waveSpeedAiApi', data }));
	}

	async importWorkflow(workflow: object): Promise<void> {
		const rest = await this.client();
		const body = this.withServerCredentialIds(workflow as WorkflowBody);
		const ownId = String(body.id);
		const existingId = this.workflowIds.get(ownId) ?? ((await rest.workflowExists(ownId)) ? ownId : undefined);
		this.workflowIds.set(ownId, await rest.saveWorkflow(body, existingId));
		this.workflows.set(ownId, workflow as WorkflowBody);
	}

	async execute(workflowId: string, env: NodeJS.ProcessEnv): Promise<RunRecord> {
		// The environment of the run that starts n8n is the server's (a suite may add to the one it registered with).
		if (!this.running) this.env = env;
		const rest = await this.client();
		const cpuAtStartMs = processCpuMs(this.child?.pid);
		const executionId = await rest.runManually(this.workflowIds.get(workflowId) ?? workflowId);
		const execution = await rest.waitForExecutionEnd(executionId, RUN_LIMIT_MS).catch((error: Error) => {
			throw new Error(`${error.message}\nn8n's log:\n${this.log.slice(-4000)}`);
		});
		const cpuAtEndMs = processCpuMs(this.child?.pid);
		this.lastRunCpuMs = cpuAtStartMs === undefined || cpuAtEndMs === undefined ? undefined : cpuAtEndMs - cpuAtStartMs;
		return { status: execution.status, data: execution.data };
	}

	async release(): Promise<object[]> {
		await this.stop();
		return [...this.workflows].filter(([ownId]) => this.workflowIds.get(ownId) !== ownId).map(([, workflow]) => workflow);
	}

	async stop(): Promise<void> {
		const child = this.child;
		this.child = undefined;
		this.rest = undefined;
		if (child) await stopN8nServer(child);
	}

	/** The signed-in REST client, n8n started first when it is not running. */
	private async client(): Promise<N8nRestClient> {
		this.starting ??= this.start().finally(() => (this.starting = undefined));
		if (!this.rest) await this.starting;
		return this.rest!;
	}

	private async start(): Promise<void> {
		if (this.rest) return;
		const port = await getFreePort();
		// Manual runs are saved (n8n's default, said here because the run is read back from what is saved).
		const env = { ...this.env, N8N_PORT: String(port), N8N_LISTEN_ADDRESS: '127.0.0.1', EXECUTIONS_DATA_SAVE_MANUAL_EXECUTIONS: 'true' };
		const child = await startN8nServer(this.install, env, port, (text) => (this.log += text));
		const rest = new N8nRestClient(`http://127.0.0.1:${port}`);
		try {
			await rest.setUpOwner();
		} catch (error) {
			await stopN8nServer(child);
			throw error;
		}
		this.child = child;
		this.rest = rest;
	}

	/** The workflow with each credential the test saved through this server under the id n8n gave it. */
	private withServerCredentialIds(workflow: WorkflowBody): WorkflowBody {
		const nodes = workflow.nodes.map((node) => {
			if (!node.credentials) return node;
			const credentials = Object.fromEntries(
				Object.entries(node.credentials).map(([type, ref]) => [type, { ...ref, id: this.credentialIds.get(ref.id) ?? ref.id }]),
			);
			return { ...node, credentials };
		});
		return { ...workflow, nodes };
	}
}

/** A process's CPU time so far (user + system, ms) from /proc/<pid>/stat; undefined elsewhere than Linux. */
function processCpuMs(pid: number | undefined): number | undefined {
	if (pid === undefined) return undefined;
	try {
		// The fields after the command name (which may hold spaces, so it is skipped by its closing parenthesis).
		const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
		// utime and stime are fields 14 and 15 of the line, in clock ticks (100 a second on Linux).
		return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
	} catch {
		return undefined;
	}
}

/**
 * For a describe block: the suite's n8n server for `env`'s user folder (see above), stopped after the block. Until its
 * first run, imports still use the n8n CLI (a test that starts its own n8n never starts this one).
 */
export function useSuiteN8nServer(getSetup: () => { install: N8nInstall; env: NodeJS.ProcessEnv } | undefined): { stop(): Promise<void> } {
	let server: SuiteN8nServer | undefined;
	let env: NodeJS.ProcessEnv | undefined;
	beforeAll(() => {
		const setup = getSetup();
		if (!setup) return;
		env = setup.env;
		server = new SuiteN8nServer(setup.install, setup.env);
		registerWorkflowServer(env, server);
	});
	const stop = async () => {
		if (env) registerWorkflowServer(env, undefined);
		await server?.stop();
	};
	afterAll(stop);
	// Also callable before the suite removes the user folder n8n runs in.
	return { stop };
}
