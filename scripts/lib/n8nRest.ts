/**
 * n8n's internal REST API as its editor uses it: the owner signs in (a cookie), lists and reads executions, stops one
 * and downloads binary data. For end-to-end tests that look at a running n8n from the outside, as a user would.
 */
import { parse as parseFlatted } from 'flatted';

import type { RunRecord } from './localN8n';

export interface ExecutionSummary {
	id: string;
	workflowId: string;
	status: string;
	startedAt?: string;
	stoppedAt?: string;
}

/** What the editor gets for one execution; `data` is the run record n8n stores (sent in `flatted` form). */
export interface ExecutionDetail extends ExecutionSummary {
	data: RunRecord['data'];
}

export interface WorkflowBody {
	id?: string;
	name: string;
	nodes: Array<{ name: string; type: string; credentials?: Record<string, { id: string; name: string }> }>;
	connections: Record<string, Record<string, unknown>>;
	settings?: Record<string, unknown>;
	pinData?: Record<string, unknown>;
}

/** Execution statuses after which nothing more runs (`waiting` is not one: the execution resumes). */
const ENDED = new Set(['success', 'error', 'crashed', 'canceled']);

const OWNER = { email: 'owner@example.com', firstName: 'Test', lastName: 'Owner', password: 'Local-test-owner-1' };
/** n8n binds its auth cookie to a browser id hash when the client sends one; a fixed id keeps the cookie valid. */
const BROWSER_ID = 'n8n-nodes-wavespeed-e2e';

export class N8nRestClient {
	readonly baseUrl: string;
	private cookie = '';

	constructor(baseUrl: string) {
		this.baseUrl = baseUrl;
	}

	/**
	 * Creates the instance owner (a fresh n8n has none) and keeps the session cookie it answers with. n8n reports ready
	 * once its database is migrated, a moment before it mounts the REST API: until then this answers 404.
	 */
	async setUpOwner(timeoutMs = 60_000): Promise<void> {
		let response = await this.send('POST', '/rest/owner/setup', OWNER);
		for (const endMs = Date.now() + timeoutMs; response.status === 404 && Date.now() < endMs; ) {
			await new Promise((resolve) => setTimeout(resolve, 500));
			response = await this.send('POST', '/rest/owner/setup', OWNER);
		}
		// An n8n started again on the same database has its owner already: sign in as the editor's login page does.
		if (response.status === 400) response = await this.send('POST', '/rest/login', { emailOrLdapLoginId: OWNER.email, password: OWNER.password });
		const setCookie = response.headers.getSetCookie().find((value) => value.startsWith('n8n-auth='));
		if (!response.ok || !setCookie) throw new Error(`Owner set-up failed: ${response.status} ${await response.text()}`);
		this.cookie = setCookie.split(';')[0];
	}

	async listExecutions(workflowId: string): Promise<ExecutionSummary[]> {
		const filter = encodeURIComponent(JSON.stringify({ workflowId }));
		const body = (await this.json('GET', `/rest/executions?filter=${filter}&limit=100`)) as { results: ExecutionSummary[] };
		return body.results.map((execution) => ({ ...execution, id: String(execution.id) }));
	}

	async getExecution(id: string): Promise<ExecutionDetail> {
		const body = (await this.json('GET', `/rest/executions/${id}`)) as ExecutionSummary & { data: string };
		return { ...body, id: String(body.id), data: parseFlatted(body.data) as RunRecord['data'] };
	}

	async workflowExists(id: string): Promise<boolean> {
		const response = await this.send('GET', `/rest/workflows/${encodeURIComponent(id)}`);
		await response.arrayBuffer();
		return response.ok;
	}

	/** Creates a credential as the editor's credential modal does; returns the id n8n gave it. */
	async createCredential(credential: { name: string; type: string; data: Record<string, unknown> }): Promise<string> {
		const created = (await this.json('POST', '/rest/credentials', credential)) as { id: string };
		return String(created.id);
	}

	/**
	 * Saves a workflow as the editor does: a new one with POST (n8n 2.x keeps the given id, 1.x makes its own, returned),
	 * one saved before under `existingId` by overwriting it.
	 */
	async saveWorkflow(workflow: WorkflowBody, existingId?: string): Promise<string> {
		const { id, name, nodes, connections, settings, pinData } = workflow;
		const body = { name, nodes, connections, settings, pinData: pinData ?? {} };
		if (existingId) {
			const current = (await this.json('GET', `/rest/workflows/${existingId}`)) as { versionId?: string };
			await this.json('PATCH', `/rest/workflows/${existingId}?forceSave=true`, { ...body, versionId: current.versionId });
			return existingId;
		}
		const created = (await this.json('POST', '/rest/workflows', { ...body, id, active: false })) as { id: string };
		return String(created.id);
	}

	/**
	 * The editor's "Execute workflow" button: runs the saved workflow from its trigger (a Manual Trigger, else the node
	 * nothing leads into) and returns the execution's id. n8n 1.x runs the `workflowData` sent; 2.x the saved one.
	 */
	async runManually(workflowId: string): Promise<string> {
		const saved = (await this.json('GET', `/rest/workflows/${workflowId}`)) as WorkflowBody & { id: string };
		const targets = new Set(Object.values(saved.connections ?? {}).flatMap((outputs) => Object.values(outputs).flat(2).map((link) => (link as { node: string }).node)));
		const trigger = saved.nodes.find((node) => /manualTrigger$/.test(node.type)) ?? saved.nodes.find((node) => !targets.has(node.name));
		if (!trigger) throw new Error(`Workflow ${workflowId} has no node to start from`);
		const started = (await this.json('POST', `/rest/workflows/${workflowId}/run`, {
			workflowData: saved,
			triggerToStartFrom: { name: trigger.name },
		})) as { executionId?: string; waitingForWebhook?: boolean };
		if (!started.executionId) throw new Error(`n8n did not start workflow ${workflowId}: ${JSON.stringify(started)}`);
		return String(started.executionId);
	}

	/** Reads the execution until it has ended (n8n's stored status and run data, as the editor shows them). */
	async waitForExecutionEnd(id: string, timeoutMs: number): Promise<ExecutionDetail> {
		let endedAtMs: number | undefined;
		for (const endMs = Date.now() + timeoutMs; ; await new Promise((resolve) => setTimeout(resolve, 250))) {
			const execution = await this.getExecution(id).catch(() => undefined);
			// n8n may record the end a moment before the run data: an ended execution is returned once its data is
			// there, or 10 s after (an execution that crashed may never have any).
			if (execution && ENDED.has(execution.status)) {
				endedAtMs ??= Date.now();
				if (execution.data?.resultData || Date.now() - endedAtMs > 10_000) return execution;
			}
			if (Date.now() > endMs) throw new Error(`Execution ${id} did not end within ${timeoutMs / 1000} s (status ${execution?.status})`);
		}
	}

	/** The editor's Stop button. */
	async stopExecution(id: string): Promise<unknown> {
		return await this.json('POST', `/rest/executions/${id}/stop`, {});
	}

	/** The bytes behind a binary data id, as the editor downloads them. */
	async readBinary(binaryDataId: string): Promise<Buffer> {
		const response = await this.send('GET', `/rest/binary-data?id=${encodeURIComponent(binaryDataId)}&action=download`);
		if (!response.ok) throw new Error(`GET binary ${binaryDataId}: ${response.status} ${await response.text()}`);
		return Buffer.from(await response.arrayBuffer());
	}

	private async json(method: string, path: string, body?: unknown): Promise<unknown> {
		const response = await this.send(method, path, body);
		const text = await response.text();
		if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 2000)}`);
		return (JSON.parse(text) as { data: unknown }).data;
	}

	private async send(method: string, path: string, body?: unknown): Promise<Response> {
		const headers: Record<string, string> = { 'browser-id': BROWSER_ID };
		if (this.cookie) headers.cookie = this.cookie;
		if (body !== undefined) headers['content-type'] = 'application/json';
		return await fetch(`${this.baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
	}
}
