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
	IWorkflowBase,
	IWorkflowExecuteAdditionalData,
} from 'n8n-workflow';
import { ICredentialsHelper, NodeConnectionTypes, Workflow } from 'n8n-workflow';

import { WaveSpeedAiApi } from '../../credentials/WaveSpeedAiApi.credentials';
import { WaveSpeed } from '../../nodes/WaveSpeed/WaveSpeed.node';
import { makePlaceholderPng } from './placeholderPng';
import { installProcessedDataStore } from './processedDataStore';

export type BinaryMode = 'default' | 'filesystem';
export const WAVESPEED_TYPE = 'n8n-nodes-wavespeed-models.waveSpeed';

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
		{ displayName: 'Min Bytes', name: 'minBytes', type: 'number', default: 0 },
	]);
	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const make = async (item: INodeExecutionData, i: number) => {
			const seed = this.getNodeParameter('seed', i) as string;
			const isPng = this.getNodeParameter('kind', i) === 'png';
			const minBytes = this.getNodeParameter('minBytes', i) as number;
			const bytes = isPng ? makePlaceholderPng({ seed, minBytes }) : Buffer.from(`not an image: ${seed}`);
			const file = await this.helpers.prepareBinaryData(bytes, `${seed}.${isPng ? 'png' : 'txt'}`, isPng ? 'image/png' : 'text/plain');
			const property = this.getNodeParameter('binaryProperty', i) as string;
			return { json: item.json, binary: { ...item.binary, [property]: file }, pairedItem: { item: i } };
		};
		// One after the other, so a batch of large images is not all in memory at once (the benchmark measures memory).
		const output: INodeExecutionData[] = [];
		for (const [i, item] of this.getInputData().entries()) output.push(await make(item, i));
		return [output];
	}
}

/** Reads each item's `data` binary back through n8n's `getBinaryDataBuffer` and reports what it got. */
class ReadBinaryNode implements INodeType {
	description = describeNode('readBinary', true, []);
	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const read = async (item: INodeExecutionData, i: number) => {
			const bytes = await this.helpers.getBinaryDataBuffer(i, 'data');
			return { json: { ...item.json, readBytesBase64: bytes.toString('base64') }, pairedItem: { item: i } };
		};
		return [await Promise.all(this.getInputData().map(read))];
	}
}

/** Like a one-field Set node: json[field] = value, with value resolved per item (so expressions like `$('Start').item` work). */
class SetFieldNode implements INodeType {
	description = describeNode('setField', true, [
		{ displayName: 'Field', name: 'field', type: 'string', default: '' },
		{ displayName: 'Value', name: 'value', type: 'string', default: '' },
	]);
	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const field = this.getNodeParameter('field', 0) as string;
		const set = (item: INodeExecutionData, i: number) => ({ ...item, json: { ...item.json, [field]: this.getNodeParameter('value', i) }, pairedItem: { item: i } });
		return [this.getInputData().map(set)];
	}
}

const NODE_TYPES: Record<string, INodeType> = {
	[WAVESPEED_TYPE]: new WaveSpeed(),
	'test.start': new StartNode(),
	'n8n-nodes-base.manualTrigger': new StartNode(), // so workflows exported with a Manual Trigger run as they are
	'test.makeBinary': new MakeBinaryNode(),
	'test.readBinary': new ReadBinaryNode(),
	'test.setField': new SetFieldNode(),
};

function lookUp(type: string): INodeType {
	if (!NODE_TYPES[type]) throw new Error(`Test harness: unknown node type "${type}"`);
	return NODE_TYPES[type];
}
const nodeTypes: INodeTypes = { getByName: lookUp, getByNameAndVersion: lookUp, getKnownTypes: () => ({}) };

// ---- Credentials ----

const CREDENTIAL_TYPES: Record<string, ICredentialType> = { waveSpeedAiApi: new WaveSpeedAiApi() };

/**
 * Hands out one fixed credential and authenticates requests as n8n's own CredentialsHelper does: an `authenticate`
 * function is called; a generic one has each header/qs/body entry resolved as an expression with `$credentials`.
 */
class TestCredentialsHelper extends ICredentialsHelper {
	constructor(private readonly data: ICredentialDataDecryptedObject) {
		super();
	}

	/** How many times n8n-core asked for the credential decrypted (n8n reads and decrypts it from its database each time). */
	decryptions = 0;

	getDecrypted = async () => {
		this.decryptions++;
		return { ...this.data };
	};

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

	// No OAuth, no credential inheritance, no stored credentials to load or update.
	getParentTypes = () => [];
	isCredentialUsableByNode = () => true;
	getCredentialsProperties = (type: string) => CREDENTIAL_TYPES[type]?.properties ?? [];
	preAuthentication = async () => undefined;
	runPreAuthentication = async () => undefined;
	getCredentials = async (): Promise<never> => Promise.reject(new Error('Test harness: no stored credentials'));
	updateCredentials = async () => {};
	updateCredentialsOauthTokenData = async () => {};
}

// ---- The harness ----

/**
 * n8n-core reads InstanceSettings (the n8n folder, its config file and encryption key) whenever it makes a node
 * context, and the binary-data service keeps its files in a folder: both go to a temp dir of this test file, set
 * before anything asks the DI Container for them, so tests never touch ~/.n8n. Jest gives each test file its own
 * module registry, hence its own Container.
 */
const n8nFolder = mkdtempSync(path.join(tmpdir(), 'n8n-wavespeed-'));
process.env.N8N_USER_FOLDER = n8nFolder;
// n8n logs every node error it reports, as in production; N8N_LOG_LEVEL=debug shows those logs again.
process.env.N8N_LOG_LEVEL ??= 'silent';
const removeN8nFolder = () => rmSync(n8nFolder, { recursive: true, force: true });
// Under jest, when the test file ends; in the benchmark (plain Node), when the process does.
if (typeof afterAll === 'function') afterAll(removeN8nFolder);
else process.on('exit', removeN8nFolder);

let activeBinaryMode: BinaryMode | undefined;

/** BinaryDataService reads its config in init(): 'default' keeps bytes as base64 in items, 'filesystem' stores files. */
async function useBinaryMode(mode: BinaryMode): Promise<void> {
	if (activeBinaryMode === mode) return;
	Object.assign(Container.get(BinaryDataConfig), { mode, localStoragePath: path.join(n8nFolder, 'storage') });
	await Container.get(BinaryDataService).init();
	activeBinaryMode = mode;
}

export type WorkflowJson = Pick<IWorkflowBase, 'nodes' | 'connections'>;

export interface WorkflowResult {
	run: IRun;
	/** The id n8n's executor ran under (`$execution.id`). */
	executionId: string;
	/** How many times n8n-core had the credential decrypted during the run (all nodes). */
	credentialDecryptions: number;
	/** A node's first output in its first run; throws the node's (or workflow's) error if it has none. */
	output(nodeName: string): INodeExecutionData[];
}

export interface StartedWorkflow {
	/** Settles when n8n's executor returns (after a Stop, n8n may return before the node's own code has ended). */
	done: Promise<WorkflowResult>;
	/** What the Stop button does: n8n-core cancels the run and aborts the execution's signal. */
	stop(): void;
}

export interface WorkflowHarness {
	run(workflow: WorkflowJson): Promise<WorkflowResult>;
	start(workflow: WorkflowJson): Promise<StartedWorkflow>;
	/** The bytes of a binary, in memory or in the filesystem store, through n8n's BinaryDataService. */
	readBinary(binary: IBinaryData): Promise<Buffer>;
}

let executionCount = 0;

export function createWorkflowHarness(binaryMode: BinaryMode, credentials: { apiKey: string; baseUrl: string }): WorkflowHarness {
	async function start({ nodes, connections }: WorkflowJson): Promise<StartedWorkflow> {
		// Per run, so describe.each blocks of both modes can share one test file (and one Container).
		await useBinaryMode(binaryMode);
		// n8n initialises its deduplication store in every process that runs workflows (start, worker, webhook, execute):
		// the node's default recovery of undelivered results, and the Idempotency Key, use it.
		await installProcessedDataStore();
		const executionId = String(++executionCount);
		const credentialsHelper = new TestCredentialsHelper({ ...credentials });
		const workflow = new Workflow({ id: 'test-workflow', nodes, connections, nodeTypes, active: false, settings: {} });
		const workflowData = { id: workflow.id, name: 'test', nodes, connections } as IWorkflowBase;
		const additionalData = {
			executionId,
			credentialsHelper,
			hooks: new ExecutionLifecycleHooks('manual', executionId, workflowData),
			variables: {},
			currentNodeExecutionIndex: 0,
			// Expression keys such as $execution.resumeUrl are built from these with `new URL`.
			instanceBaseUrl: 'http://localhost:5678',
			webhookWaitingBaseUrl: 'http://localhost:5678/webhook-waiting',
			formWaitingBaseUrl: 'http://localhost:5678/form-waiting',
		} as Partial<IWorkflowExecuteAdditionalData> as IWorkflowExecuteAdditionalData;

		// Our start node is a plain node without inputs (n8n only finds trigger types by itself), so name it.
		const startNode = nodes.find((candidate) => workflow.getParentNodes(candidate.name).length === 0);
		const running = new WorkflowExecute(additionalData, 'manual').run({ workflow, startNode });
		const done = running.then(
			(result): WorkflowResult => ({
				run: result,
				executionId,
				credentialDecryptions: credentialsHelper.decryptions,
				output(nodeName) {
					const task = result.data.resultData.runData[nodeName]?.[0];
					if (!task?.data) throw task?.error ?? result.data.resultData.error ?? new Error(`"${nodeName}" did not run`);
					return task.data.main[0] ?? [];
				},
			}),
		);
		return { done, stop: () => running.cancel() };
	}

	return {
		start,
		run: async (workflow) => await (await start(workflow)).done,
		readBinary: async (binary) => await Container.get(BinaryDataService).getAsBuffer(binary),
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
		...(type === WAVESPEED_TYPE ? { credentials: { waveSpeedAiApi: { id: '1', name: 'WaveSpeed account' } } } : {}),
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

/** The same nodes (same ids: what the store is keyed by) with other input items: another execution of one workflow. */
export function withItems(workflow: WorkflowJson, items: object[]): WorkflowJson {
	const nodes = workflow.nodes.map((each) => (each.name === 'Start' ? { ...each, parameters: { items: JSON.stringify(items) } } : each));
	return { ...workflow, nodes };
}
