import type { INode } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

/** An error about one parameter of one item, worded so the user can find both. */
export function parameterError(
	node: INode,
	itemIndex: number,
	parameter: string,
	message: string,
	description?: string,
): NodeOperationError {
	return new NodeOperationError(node, `${message} [item ${itemIndex}, parameter "${parameter}"]`, {
		itemIndex,
		description,
	});
}

/** An error about one WaveSpeed task; `context.taskId` lets the router report the id with the failure. */
export function taskError(
	node: INode,
	itemIndex: number,
	taskId: string,
	message: string,
	description?: string,
): NodeOperationError {
	const error = new NodeOperationError(node, message, { itemIndex, description });
	error.context.taskId = taskId;
	return error;
}

export function getTaskId(error: unknown): string | undefined {
	const taskId = (error as { context?: { taskId?: unknown } } | undefined)?.context?.taskId;
	return typeof taskId === 'string' ? taskId : undefined;
}

/** Marks an n8n error with the task it concerns, so a failed item still reports its task id. */
export function withTaskId<E>(error: E, taskId: string): E {
	const context = (error as { context?: Record<string, unknown> } | undefined)?.context;
	if (context && typeof context === 'object') context.taskId = taskId;
	return error;
}

/** Adds where an error happened (a binary field, an output) in front of its message, keeping everything else. */
export function prefixMessage<E>(error: E, prefix: string): E {
	if (error instanceof Error) error.message = `${prefix}: ${error.message}`;
	return error;
}
