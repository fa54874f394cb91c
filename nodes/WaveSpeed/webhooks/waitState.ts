import { createHash } from 'node:crypto';

import type { IDataObject, IExecuteFunctions, INode, INodeExecutionData, IWebhookFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { ItemOutcome } from '../task/itemOutcome';
import type { WaitingTask } from '../task/taskRun';
import type { ApiContext } from '../transport/context';

export type { WaitingTask } from '../task/taskRun';

/**
 * How item outcomes become the node's output: decided above the wait (engine/itemOutcomes.ts) and passed down by
 * whoever starts or resumes it, so the wait never climbs back up to ask.
 */
export interface OutputShaping {
	/** The items that did not wait, at their input positions, read back from the saved wait. */
	beforeWait(ctx: ApiContext, state: WaitState): ItemOutcome[];
	/** Every position filled, pairedItem set, errors as error items. */
	toItems(ctx: ApiContext, outcomes: ItemOutcome[], itemCount: number): INodeExecutionData[];
}

/** An item that had already failed before the wait (bad input under Continue On Fail, a refused submit). */
export interface FailedBeforeWait {
	itemIndex: number;
	message: string;
	description?: string;
	taskId?: string;
}

/** The error such an item comes out with, after the wait as before it. */
export function failedBeforeWaitError(node: INode, { itemIndex, message, description }: FailedBeforeWait): NodeOperationError {
	return new NodeOperationError(node, message, { itemIndex, description });
}

/** An item that did not wait (Wait for Completion off): it comes out after the wait as it came out before it. */
export interface PassedBeforeWait {
	itemIndex: number;
	json: IDataObject;
}

/** Everything a resumed (or timed-out) wait needs, written once before the execution waits. */
export interface WaitState {
	version: 1;
	itemCount: number;
	waiting: WaitingTask[];
	failed: FailedBeforeWait[];
	/** Items that did not wait (absent in a state saved before this field existed). */
	passed?: PassedBeforeWait[];
	/** Downloads after the wait run this many at once (the node's Max Concurrency). */
	maxConcurrency: number;
	/** When the wait ends without every callback (epoch ms): n8n then passes on the error items set before the wait. */
	waitTillMs: number;
}

type StateContext = IExecuteFunctions | IWebhookFunctions;

interface CustomData {
	get(key: string): string | undefined;
	set(key: string, value: string): void;
}

/**
 * The execution's custom data (10 keys of text, saved with the execution), which n8n 2.x gives every node context.
 * n8n 1.x has it only for Code nodes (its expressions cannot call `$execution.customData.set`), and a context without
 * execution data (an older agent's tool call) has none: undefined then.
 */
function customDataOf(ctx: StateContext): CustomData | undefined {
	try {
		return (ctx as unknown as { customData?: CustomData }).customData;
	} catch {
		return undefined;
	}
}

/**
 * Where the state lives while the execution waits. Not in memory (the wait must survive a restart and run on any
 * process) and not in the node's output (n8n drops the waiting node's output before it calls webhook()). It is
 * written to n8n's binary data store, which persists with the execution (filesystem, database or S3 mode), and its
 * id is kept in the execution's custom data, which both the node and its webhook can read. One key per node name.
 */
export function stateKey(nodeName: string): string {
	return `wavespeed_wait_${createHash('sha256').update(nodeName).digest('hex').slice(0, 16)}`;
}

/** Why this execution cannot keep a wait's state (n8n's memory binary mode, custom data full), or undefined. */
export async function checkStateStorage(ctx: IExecuteFunctions): Promise<string | undefined> {
	const probe = await ctx.helpers.prepareBinaryData(Buffer.from('{}'), 'wavespeed-wait-probe.json', 'application/json');
	if (!probe.id) {
		return "n8n keeps binary data in memory here (N8N_DEFAULT_BINARY_DATA_MODE=default), so a waiting execution could not keep its task list: set it to 'filesystem' (or 'database'/'s3')";
	}
	const key = stateKey(ctx.getNode().name);
	const customData = customDataOf(ctx);
	if (!customData) return 'this n8n gives nodes no custom data to keep the task list with a waiting execution (n8n 1.x): use n8n 2.x';
	customData.set(key, 'probe');
	const kept = customData.get(key) === 'probe';
	customData.set(key, '');
	return kept ? undefined : "the execution's custom data already holds n8n's limit of 10 keys";
}

export async function saveWaitState(ctx: IExecuteFunctions, state: WaitState): Promise<void> {
	const stored = await ctx.helpers.prepareBinaryData(Buffer.from(JSON.stringify(state)), 'wavespeed-wait.json', 'application/json');
	customDataOf(ctx)?.set(stateKey(ctx.getNode().name), String(stored.id));
}

/** The state this node saved in this execution, or undefined when it is not waiting (a first run, a finished wait). */
export async function loadWaitState(ctx: StateContext): Promise<WaitState | undefined> {
	const id = customDataOf(ctx)?.get(stateKey(ctx.getNode().name));
	if (!id) return undefined;
	const stream = await ctx.helpers.getBinaryStream(id);
	const state = JSON.parse((await ctx.helpers.binaryToBuffer(stream)).toString('utf8')) as WaitState;
	return state?.version === 1 && Array.isArray(state.waiting) ? state : undefined;
}

/** The id of the stored state: a wait's identity while it lasts. */
export function getWaitId(ctx: StateContext): string | undefined {
	return customDataOf(ctx)?.get(stateKey(ctx.getNode().name)) || undefined;
}

/** The wait is over (resumed): a later run of the node in this execution (a loop) starts afresh. */
export function clearWaitState(ctx: StateContext): void {
	customDataOf(ctx)?.set(stateKey(ctx.getNode().name), '');
}
