/**
 * A small IWebhookFunctions for the WaveSpeed Trigger's tests: one incoming call (headers, exact body bytes, query),
 * the response the node writes itself (status and JSON), and everything else from ./executeContext (real HTTP through
 * n8n's outbound client to the local server, binary data in memory, recorded HTTP calls and logs).
 */
import type { IDataObject, IWebhookFunctions } from 'n8n-workflow';

import { createExecuteContext } from './executeContext';
import type { HttpCall, TestContext } from './executeContext';

export interface IncomingCall {
	headers: Record<string, string>;
	/** The bytes as they arrived; undefined: n8n had none to give. */
	rawBody: Buffer | undefined;
	query?: IDataObject;
}

export interface WebhookTestContext {
	ctx: IWebhookFunctions;
	/** What the node answered by itself (a refusal); empty when it left the answer to n8n. */
	response: { status?: number; body?: unknown };
	httpCalls: HttpCall[];
	logs: string[];
}

export function createWebhookContext(options: {
	call: IncomingCall;
	credentials: { apiKey: string; baseUrl: string };
	/** The Trigger's `options` parameter. */
	triggerOptions?: IDataObject;
	workflowId?: string;
	nodeId?: string;
	credentialId?: string;
	/** The run that put the execution to wait: its custom data and binary store are the execution's. */
	execution?: TestContext;
	nodeName?: string;
}): WebhookTestContext {
	const base = options.execution ?? createExecuteContext({ params: {}, credentials: options.credentials });
	const response: WebhookTestContext['response'] = {};
	const res = {
		status(code: number) {
			response.status = code;
			return res;
		},
		json(body: unknown) {
			response.body = body;
			return res;
		},
	};
	const node = {
		...base.ctx.getNode(),
		id: options.nodeId ?? 'trigger-node',
		name: options.nodeName ?? 'WaveSpeed Trigger',
		type: 'n8n-nodes-wavespeed-models.waveSpeedTrigger',
		credentials: { waveSpeedAiApi: { id: options.credentialId ?? 'test-credential', name: 'WaveSpeed' } },
	};
	const { headers, rawBody, query } = options.call;
	const ctx = {
		...base.ctx,
		getNode: () => node,
		getWorkflow: () => ({ id: options.workflowId ?? 'test-workflow', name: 'test', active: true }),
		getMode: () => 'webhook',
		getWebhookName: () => 'default',
		getNodeParameter: (name: string, fallback?: unknown) => (name === 'options' ? (options.triggerOptions ?? {}) : fallback),
		getHeaderData: () => headers,
		getQueryData: () => query ?? {},
		getBodyData: () => (rawBody ? (JSON.parse(rawBody.toString('utf8')) as IDataObject) : {}),
		// As n8n's request: the body already read (n8n reads it before parsing JSON), readRawBody a no-op then.
		getRequestObject: () => ({ headers, rawBody, readRawBody: async () => {} }),
		getResponseObject: () => res,
	} as unknown as IWebhookFunctions;
	return { ctx, response, httpCalls: base.httpCalls, logs: base.logs };
}
