/**
 * Runs a whole workflow (nodes + connections, as n8n exports them) through n8n-core's real executor: a real
 * `Workflow`, `WorkflowExecute`, n8n's parameter and expression resolution, its binary-data helpers (memory or
 * filesystem mode) and its HTTP helpers, with our WaveSpeed node and a few tiny test-only node types.
 * Unit tests use the small fake context in ./executeContext instead.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { Container } from '@n8n/di';
import { BinaryDataConfig, BinaryDataService, ExecutionLifecycleHooks, WorkflowExecute } from 'n8n-core';
import type {
	IBinaryData,
	ICredentialDataDecryptedObject,
	ICredentialType,
	IConnections,
	IExecuteFunctions,
	IHttpRequestOptions,
	INode,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
	INodeTypes,
	IRun,
	IWorkflowExecuteAdditionalData,
} from 'n8n-workflow';
import { ICredentialsHelper, NodeConnectionTypes, Workflow } from 'n8n-workflow';

import { WavespeedApi } from '../../credentials/WavespeedApi.credentials';
import { WaveSpeed } from '../../nodes/WaveSpeed/WaveSpeed.node';
import { makePlaceholderPng } from './placeholderPng';

export type BinaryMode = 'default' | 'filesystem';
export const WAVESPEED_TYPE = 'n8n-nodes-wavespeed.waveSpeed';

// ---- Test-only node types (n8n-nodes-base is not installed) ----

const describeNode = (name: string, inputs: boolean, properties: INodeTypeDescription['properties']): INodeTypeDescription => ({
	displayName: name, name, group: inputs ? ['transform'] : ['trigger'], version: 1, description: name,
	defaults: { name }, inputs: inputs ? [NodeConnectionTypes.Main] : [], outputs: [NodeConnectionTypes.Main], properties,
});

/** Like Manual Trigger, but emits the items given in its `items` parameter (a JSON array). */
class StartNode implements INodeType {
	description = describeNode('start', false, [{ displayName: 'Items', name: 'items', type: 'json', default: '[{}]' }]);
	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = JSON.parse(this.getNodeParameter('items', 0) as string) as object[];
		return [items.map((json) => ({ json: json as INodeExecutionData['json'] }))];
	}
}

/** Adds a binary field to each item through n8n's `prepareBinaryData`: a PNG drawn from `seed`, or plain text. */
class MakeBinaryNode implements INodeType {
	description = describeNode('makeBinary', true, [
		{ displayName: 'Kind', name: 'kind', type: 'string', default: 'png' },
		{ displayName: 'Seed', name: 'seed', type: 'string', default: 'input' },
		{ displayName: 'Binary Property', name: 'binaryProperty', type: 'string', default: 'data' },
	]);
	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const output = await Promise.all(
			this.getInputData().map(async (item, i) => {
				const seed = this.getNodeParameter('seed', i) as string;
				const isPng = this.getNodeParameter('kind', i) === 'png';
				const bytes = isPng ? makePlaceholderPng({ seed }) : Buffer.from(`not an image: ${seed}`);
				const file = await this.helpers.prepareBinaryData(bytes, `${seed}.${isPng ? 'png' : 'txt'}`, isPng ? 'image/png' : 'text/plain');
				const property = this.getNodeParameter('binaryProperty', i) as string;
				return { json: item.json, binary: { ...item.binary, [property]: file }, pairedItem: { item: i } };
			}),
		);
		return [output];
	}
}

/** Reads each item's `data` binary back through n8n's `getBinaryDataBuffer` and reports what it got. */
class ReadBinaryNode implements INodeType {
	description = describeNode('readBinary', true, []);
	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const output = await Promise.all(
			this.getInputData().map(async (item, i) => {
				const bytes = await this.helpers.getBinaryDataBuffer(i, 'data');
				return { json: { ...item.json, readBytesBase64: bytes.toString('base64') }, pairedItem: { item: i } };
			}),
		);
		return [output];
	}
}

const NODE_TYPES: Record<string, INodeType> = {
	[WAVESPEED_TYPE]: new WaveSpeed(),
	'test.start': new StartNode(),
	'test.makeBinary': new MakeBinaryNode(),
	'test.readBinary': new ReadBinaryNode(),
};

const nodeTypes: INodeTypes = {
	getByName: (type) => lookUp(type),
	getByNameAndVersion: (type) => lookUp(type),
	getKnownTypes: () => ({}),
};

function lookUp(type: string): INodeType {
	const nodeType = NODE_TYPES[type];
	if (!nodeType) throw new Error(`Test harness: unknown node type "${type}"`);
	return nodeType;
}

// ---- Credentials ----

const CREDENTIAL_TYPES: Record<string, ICredentialType> = { wavespeedApi: new WavespeedApi() };

/**
 * Hands out one fixed credential and authenticates requests as n8n's own CredentialsHelper does: an `authenticate`
 * function is called; a generic one has each header/qs/body entry resolved as an expression with `$credentials`.
 */
class TestCredentialsHelper extends ICredentialsHelper {
	constructor(private readonly data: ICredentialDataDecryptedObject) {
		super();
	}

	async getDecrypted(): Promise<ICredentialDataDecryptedObject> {
		return { ...this.data };
	}

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		request: IHttpRequestOptions,
		workflow?: Workflow,
		node?: INode,
	): Promise<IHttpRequestOptions> {
		const { authenticate } = CREDENTIAL_TYPES[typeName] ?? {};
		if (typeof authenticate === 'function') return await authenticate(credentials, request);
		if (authenticate?.type !== 'generic' || !workflow || !node) return request;
		const resolve = (value: string) =>
			String(workflow.expression.getSimpleParameterValue(node, value, 'internal', { $credentials: credentials }, undefined, '') ?? '');
		const target = request as unknown as Record<string, Record<string, unknown>>;
		for (const [where, entries] of Object.entries(authenticate.properties)) {
			target[where] ??= {};
			for (const [key, value] of Object.entries(entries as Record<string, string>)) target[where][resolve(key)] = resolve(value);
		}
		return request;
	}

	getParentTypes = () => [];
	isCredentialUsableByNode = () => true;
	getCredentialsProperties = (type: string) => CREDENTIAL_TYPES[type]?.properties ?? [];
	preAuthentication = async () => undefined;
	runPreAuthentication = async () => undefined;
	getCredentials = async (): Promise<never> => {
		throw new Error('Test harness: stored credentials are not available');
	};
	updateCredentials = async () => {};
	updateCredentialsOauthTokenData = async () => {};
}

// ---- The harness ----

export interface WorkflowJson {
	nodes: INode[];
	connections: IConnections;
}

export interface WorkflowResult {
	run: IRun;
	/** The first output of a node's first run; throws with the workflow's error if the node did not run. */
	output(nodeName: string): INodeExecutionData[];
}

export interface WorkflowHarness {
	run(workflow: WorkflowJson): Promise<WorkflowResult>;
	/** The bytes of an output binary, from memory or from the filesystem store, via n8n's BinaryDataService. */
	readBinary(binary: IBinaryData): Promise<Buffer>;
	storagePath: string;
	close(): void;
}

let executionCount = 0;

export async function createWorkflowHarness(
	binaryMode: BinaryMode,
	credentials: { apiKey: string; baseUrl: string },
): Promise<WorkflowHarness> {
	const storagePath = mkdtempSync(path.join(tmpdir(), 'n8n-wavespeed-'));
	// n8n-core reads InstanceSettings (the n8n folder and its config file) when a node context is made: point it at
	// the temp dir so tests never touch ~/.n8n. It must be set before the first Container.get of those settings.
	process.env.N8N_USER_FOLDER ??= storagePath;
	// The binary-data service picks its mode and folder in init(); 'default' keeps data in memory (base64 in items).
	const binaryConfig = Container.get(BinaryDataConfig);
	binaryConfig.mode = binaryMode;
	binaryConfig.localStoragePath = storagePath;
	await Container.get(BinaryDataService).init();

	const credentialsHelper = new TestCredentialsHelper({ ...credentials });

	async function run({ nodes, connections }: WorkflowJson): Promise<WorkflowResult> {
		const executionId = String(++executionCount);
		const workflow = new Workflow({ id: 'test-workflow', nodes, connections, nodeTypes, active: false, settings: {} });
		const hooks = new ExecutionLifecycleHooks('manual', executionId, { id: workflow.id, name: 'test', nodes, connections } as never);
		const additionalData = {
			executionId,
			credentialsHelper,
			hooks,
			variables: {},
			restApiUrl: 'http://localhost/rest',
			instanceBaseUrl: 'http://localhost',
			webhookBaseUrl: 'http://localhost/webhook',
			webhookWaitingBaseUrl: 'http://localhost/webhook-waiting',
			webhookTestBaseUrl: 'http://localhost/webhook-test',
			formWaitingBaseUrl: 'http://localhost/form-waiting',
			currentNodeExecutionIndex: 0,
		} as unknown as IWorkflowExecuteAdditionalData;

		const result = await new WorkflowExecute(additionalData, 'manual').run({ workflow });
		return {
			run: result,
			output(nodeName) {
				const task = result.data.resultData.runData[nodeName]?.[0];
				const error = task?.error ?? result.data.resultData.error;
				if (!task?.data) throw error ?? new Error(`Node "${nodeName}" did not run`);
				return task.data.main[0] ?? [];
			},
		};
	}

	return {
		run,
		storagePath,
		readBinary: async (binary) => await Container.get(BinaryDataService).getAsBuffer(binary),
		close: () => rmSync(storagePath, { recursive: true, force: true }),
	};
}

// ---- Building workflows ----

let nodeCount = 0;

/** A node as n8n exports it; WaveSpeed nodes get the credential reference. */
export function node(name: string, type: string, parameters: INode['parameters'] = {}, extra: Partial<INode> = {}): INode {
	return {
		id: `node-${++nodeCount}`,
		name,
		type,
		typeVersion: 1,
		position: [nodeCount * 200, 0],
		parameters,
		...(type === WAVESPEED_TYPE ? { credentials: { wavespeedApi: { id: '1', name: 'WaveSpeed account' } } } : {}),
		...extra,
	};
}

/** Nodes connected one after the other, main output 0 to main input 0. */
export function chain(...nodes: INode[]): WorkflowJson {
	const connections: IConnections = {};
	for (let index = 1; index < nodes.length; index++) {
		connections[nodes[index - 1].name] = { main: [[{ node: nodes[index].name, type: NodeConnectionTypes.Main, index: 0 }]] };
	}
	return { nodes, connections };
}
