import type { NodeOperationError } from 'n8n-workflow';

/** The error a promise rejects with (an n8n error, as the node throws them); fails the test if it resolves. */
export async function failureOf(promise: Promise<unknown>): Promise<NodeOperationError> {
	const error = await promise.then(
		() => undefined,
		(caught: NodeOperationError) => caught,
	);
	if (!error) throw new Error('Expected the promise to reject, but it resolved');
	return error;
}
