/**
 * A small IExecuteFunctions for unit and integration tests: parameters come from an object (or a function of the
 * item index), HTTP goes for real through n8n's own outbound client to the local fake server, and binary data is
 * kept in memory like n8n's default mode. Workflow-level tests use n8n's real executor instead (test/workflow).
 */
import { Readable } from 'node:stream';

import { OutboundHttp } from '@n8n/backend-network';
import { Container } from '@n8n/di';
import type {
	IBinaryData,
	IDataObject,
	IExecuteFunctions,
	IHttpRequestOptions,
	INode,
	INodeExecutionData,
} from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { WaveSpeed } from '../../nodes/WaveSpeed/WaveSpeed.node';

export type ParamValue = unknown | ((itemIndex: number) => unknown);

export interface ContextOptions {
	params: Record<string, ParamValue>;
	items?: INodeExecutionData[];
	credentials?: { apiKey: string; baseUrl: string };
	continueOnFail?: boolean;
	cancelSignal?: AbortSignal;
	/** Called as an AI agent's tool: 'context' as Agent 2 does (isToolExecution()), 'type' as Agent 3 (a `…Tool` node). */
	toolCall?: 'context' | 'type';
	/** What `$execution.resumeUrl` gives (Wait Method "webhook"). */
	resumeUrl?: string;
	/** n8n's 'default' binary mode keeps data inline; 'filesystem' (and database, S3) gives stored data an id. */
	binaryMode?: 'default' | 'filesystem';
	onError?: 'stopWorkflow' | 'continueRegularOutput' | 'continueErrorOutput';
}

export interface HttpCall {
	options: IHttpRequestOptions;
	authenticated: boolean;
}

export interface TestContext {
	ctx: IExecuteFunctions;
	httpCalls: HttpCall[];
	logs: string[];
	/** The execution's custom data, and the times putExecutionToWait was called with. */
	customData: Map<string, string>;
	waits: Date[];
}

const sendRequest = async (options: IHttpRequestOptions) =>
	await Container.get(OutboundHttp).requests().request(options);

export function createExecuteContext(options: ContextOptions): TestContext {
	const httpCalls: HttpCall[] = [];
	const logs: string[] = [];
	const items: INodeExecutionData[] = options.items ?? [{ json: {} }];
	const node: INode = {
		id: 'test-node',
		name: 'WaveSpeed',
		type: options.toolCall === 'type' ? 'n8n-nodes-wavespeed-models.waveSpeedTool' : 'n8n-nodes-wavespeed-models.waveSpeed',
		typeVersion: 1,
		position: [0, 0],
		parameters: {},
		...(options.onError ? { onError: options.onError } : {}),
	};
	const customData = new Map<string, string>();
	const stored = new Map<string, Buffer>();
	const waits: Date[] = [];
	const executeData = { data: { main: [items] }, node, source: null };
	const log = (level: string) => (message: string, meta?: unknown) =>
		logs.push(`${level} ${message} ${meta ? JSON.stringify(meta) : ''}`);

	const ctx = {
		getInputData: () => items,
		getNode: () => node,
		getWorkflow: () => ({ id: 'test-workflow', name: 'test', active: false }),
		getExecutionId: () => 'test-execution',
		continueOnFail: () => options.continueOnFail ?? false,
		getExecutionCancelSignal: () => options.cancelSignal,
		getExecuteData: () => executeData,
		evaluateExpression: (expression: string) => (expression.includes('$execution.resumeUrl') ? options.resumeUrl : undefined),
		putExecutionToWait: async (waitTill: Date) => void waits.push(waitTill),
		customData: {
			get: (key: string) => customData.get(key),
			set: (key: string, value: string) => void customData.set(key, value),
		},
		...(options.toolCall ? { isToolExecution: () => options.toolCall === 'context' } : {}),
		getNodeParameter(name: string, itemIndex: number, fallback?: unknown) {
			const value = options.params[name];
			if (value === undefined) {
				if (arguments.length >= 3) return fallback;
				throw new Error(`Test context: no parameter "${name}"`);
			}
			return typeof value === 'function' ? (value as (i: number) => unknown)(itemIndex) : value;
		},
		getCredentials: async () => {
			if (!options.credentials) throw new Error('Test context: no credentials');
			return { ...options.credentials } as IDataObject;
		},
		logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
		helpers: {
			httpRequest: async (request: IHttpRequestOptions) => {
				httpCalls.push({ options: request, authenticated: false });
				return await sendRequest(request);
			},
			// As n8n's: applies the credential's `authenticate` (here Bearer), wraps failures in NodeApiError.
			httpRequestWithAuthentication: async (type: string, request: IHttpRequestOptions) => {
				if (type !== 'waveSpeedAiApi') throw new Error(`unexpected credential type ${type}`);
				const headers = { ...(request.headers ?? {}), Authorization: `Bearer ${options.credentials?.apiKey}` };
				const authenticated = { ...request, headers, abortSignal: options.cancelSignal ?? request.abortSignal };
				httpCalls.push({ options: authenticated, authenticated: true });
				try {
					return await sendRequest(authenticated);
				} catch (error) {
					throw new NodeApiError(node, error as never);
				}
			},
			assertBinaryData: (itemIndex: number, property: string): IBinaryData => {
				const binary = items[itemIndex]?.binary?.[property];
				if (!binary) throw new NodeOperationError(node, `No binary data property "${property}"`);
				return binary;
			},
			getBinaryDataBuffer: async (itemIndex: number, property: string) => {
				const binary = items[itemIndex]?.binary?.[property];
				if (!binary) throw new NodeOperationError(node, `No binary data property "${property}"`);
				return Buffer.from(binary.data, 'base64');
			},
			binaryToBuffer: async (body: Buffer | Readable) => await toBuffer(body),
			getBinaryStream: async (id: string) => Readable.from([stored.get(id) ?? Buffer.alloc(0)]),
			prepareBinaryData: async (body: Buffer | Readable, fileName?: string, mimeType?: string): Promise<IBinaryData> => {
				const buffer = await toBuffer(body);
				const id = options.binaryMode === 'filesystem' ? `filesystem-v2:test/${stored.size}` : undefined;
				if (id) stored.set(id, buffer);
				return {
				...(id ? { id } : {}),
				data: id ? 'filesystem-v2' : buffer.toString('base64'),
				mimeType: mimeType ?? 'application/octet-stream',
				fileName,
				fileExtension: fileName?.split('.').pop(),
				fileSize: `${buffer.length} B`,
				};
			},
		},
	} as unknown as IExecuteFunctions;

	return { ctx, httpCalls, logs, customData, waits };
}

async function toBuffer(body: Buffer | Readable): Promise<Buffer> {
	if (Buffer.isBuffer(body)) return body;
	const chunks: Buffer[] = [];
	for await (const chunk of body) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks);
}

/** Runs the node's execute() as n8n would, with `this` bound to the test context. */
export async function runNode(context: TestContext): Promise<INodeExecutionData[]> {
	const [output] = await new WaveSpeed().execute.call(context.ctx);
	return output;
}

export function binaryItem(files: Record<string, { bytes: Buffer; mimeType?: string; fileName?: string }>, json: IDataObject = {}): INodeExecutionData {
	const binary: Record<string, IBinaryData> = {};
	for (const [property, file] of Object.entries(files)) {
		binary[property] = {
			data: file.bytes.toString('base64'),
			mimeType: file.mimeType ?? 'image/png',
			fileName: file.fileName ?? `${property}.png`,
		};
	}
	return { json, binary };
}
