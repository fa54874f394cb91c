import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { runPool } from '../helpers/concurrency';
import { getTaskId } from '../helpers/itemErrors';
import { readMaxConcurrency } from './descriptions';
import * as operations from './index';
import type { Operation } from './index';
import { Run } from './runContext';

type ItemOutcome = { item: INodeExecutionData } | { error: Error };

/**
 * Runs the chosen operation for every item in a bounded pool, keeping input order and pairedItem. The one place
 * that decides what an item's error does: becomes an output item (Continue On Fail) or fails the node.
 */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const operation = this.getNodeParameter('operation', 0) as Operation;
	const handler = operations[operation];
	if (!handler) {
		throw new NodeOperationError(this.getNode(), `The operation "${String(operation)}" is not supported`);
	}

	const continueOnFail = this.continueOnFail();
	const maxConcurrency = readMaxConcurrency(this);
	const run = new Run(this.getExecutionCancelSignal?.(), isToolCall(this));
	let firstFailure: { itemIndex: number; error: Error } | undefined;

	let outcomes: Awaited<ReturnType<typeof runPool<ItemOutcome>>>;
	try {
		outcomes = await runPool(
			items.length,
			maxConcurrency,
			async (itemIndex): Promise<ItemOutcome> => {
				try {
					return { item: await run.runItem(async (context) => await handler.execute.call(this, itemIndex, context)) };
				} catch (error) {
					if (!continueOnFail && !firstFailure) {
						firstFailure = { itemIndex, error: error as Error };
						// No new task is submitted and waits end: the node is about to fail anyway.
						run.stop();
					}
					return { error: error as Error };
				}
			},
			() => !run.isStopped,
		);
	} finally {
		run.dispose();
	}

	if (firstFailure) throw describeLeftBehind(firstFailure.error, firstFailure.itemIndex, run.submittedTasks);

	const notRun = () => new NodeOperationError(this.getNode(), 'The execution was stopped before this item ran');
	const output = outcomes.map((settled, itemIndex): INodeExecutionData => {
		const outcome: ItemOutcome =
			settled?.status === 'fulfilled' ? settled.value : { error: settled?.reason ?? notRun() };
		if ('item' in outcome) {
			const item = run.isToolCall ? { json: compactForAgent(outcome.item.json) } : outcome.item;
			return { ...item, pairedItem: { item: itemIndex } };
		}
		const taskId = getTaskId(outcome.error) ?? run.submittedTasks.get(itemIndex);
		return { json: { error: outcome.error.message, ...(taskId ? { id: taskId } : {}) }, pairedItem: { item: itemIndex } };
	});
	return [output];
}

/**
 * The tool variant of a node is typed `<node>Tool`, whichever agent runs it (n8n 2.x's Agent 3 runs tools as ordinary
 * nodes, where isToolExecution() is false); Agent 2's tool context also answers isToolExecution().
 */
function isToolCall(ctx: IExecuteFunctions): boolean {
	if (ctx.getNode().type.endsWith('Tool')) return true;
	const asTool = (ctx as { isToolExecution?: () => boolean }).isToolExecution;
	return typeof asTool === 'function' && asTool.call(ctx);
}

/** What an AI agent needs to answer and to chain calls: ids, status, URLs, cost. No base64, timings or flags. */
const AGENT_FIELDS = ['id', 'status', 'outputs', 'error', 'estimatedCostUsd', 'balance', 'currency'];

function compactForAgent(json: IDataObject): IDataObject {
	return Object.fromEntries(Object.entries(json).filter(([key, value]) => AGENT_FIELDS.includes(key) && value !== ''));
}

/** The node fails on one item; tasks other items already paid for are named, so Get Result can collect them. */
function describeLeftBehind(error: Error, failedItemIndex: number, submittedTasks: Map<number, string>): Error {
	const others = [...submittedTasks.entries()]
		.filter(([itemIndex]) => itemIndex !== failedItemIndex)
		.sort(([a], [b]) => a - b);
	if (others.length === 0) return error;
	const list = others.map(([itemIndex, taskId]) => `item ${itemIndex}: ${taskId}`).join(', ');
	const note = `Tasks already submitted for other items (use "Get Result" to collect them): ${list}`;
	const withDescription = error as Error & { description?: string | null };
	withDescription.description = [withDescription.description, note].filter(Boolean).join('\n\n');
	return error;
}
