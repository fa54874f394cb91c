import type { INode, INodeExecutionData } from 'n8n-workflow';

/** Error items are made in a node's run and in a resumed wait's webhook alike: only the node is needed. */
type NodeContext = { getNode(): INode };
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { withTaskId } from '../transport/itemErrors';

/**
 * A failed item under Continue On Fail.
 * - "Continue (regular output)": `{ error, id }` on the main output, as documented.
 * - "Continue (using error output)": n8n sends an item to the error output when it carries `error` (every n8n version;
 *   the JSON-only rule differs between versions). n8n then replaces its JSON with `{ error: message }` whatever we
 *   put there, so the task id goes into the message (and the error's context), where the user still finds it.
 */
export function toErrorItem(
	ctx: NodeContext,
	error: Error,
	itemIndex: number,
	taskId: string | undefined,
): INodeExecutionData {
	const pairedItem = { item: itemIndex };
	if (ctx.getNode().onError !== 'continueErrorOutput') {
		return { json: { error: error.message, ...(taskId ? { id: taskId } : {}) }, pairedItem };
	}
	const nodeError = asNodeError(ctx, error, itemIndex);
	if (taskId) {
		withTaskId(nodeError, taskId);
		if (!nodeError.message.includes(taskId)) nodeError.message = `${nodeError.message} [task ${taskId}]`;
	}
	return { json: { error: nodeError.message, ...(taskId ? { id: taskId } : {}) }, error: nodeError, pairedItem };
}

/** n8n shows and routes its own error classes; anything else (a bug, an unexpected throw) is wrapped. */
export function asNodeError(ctx: NodeContext, error: unknown, itemIndex: number): NodeApiError | NodeOperationError {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) return error;
	return new NodeOperationError(ctx.getNode(), error as Error, { itemIndex });
}
