import type { INodeExecutionData, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { toErrorItem } from '../actions/errorItems';
import { checkCallback, readRawBody } from './callbackSecret';
import { buildOutcomes, readEndedTasks } from './finishWait';
import { clearWaitState, getWaitId, loadWaitState } from './waitState';

const CLAIM_TTL_MS = 10 * 60_000;
/** Waits this process is resuming: a repeated or simultaneous final callback must not resume the same wait twice. */
const claimed = new Map<string, number>();

function claim(waitId: string): boolean {
	const nowMs = Date.now();
	for (const [id, atMs] of claimed) if (nowMs - atMs > CLAIM_TTL_MS) claimed.delete(id);
	if (claimed.has(waitId)) return false;
	claimed.set(waitId, nowMs);
	return true;
}

/**
 * WaveSpeed's callback for a task of a waiting execution (Wait Method "webhook"). A call that is not WaveSpeed's is
 * answered 401 and changes nothing. While other tasks still run, the call is acknowledged and the execution keeps
 * waiting. Once every task has ended (asked of WaveSpeed, not taken from the call), the execution resumes with what
 * poll mode would have output.
 */
export async function resumeOnCallback(this: IWebhookFunctions): Promise<IWebhookResponseData> {
	const acknowledge = (note: string): IWebhookResponseData => ({ webhookResponse: { received: true, note } });
	const rawBody = await readRawBody(this);
	const problem = rawBody ? await checkCallback(this, this.getHeaderData(), rawBody) : 'the body is empty';
	if (problem) {
		this.getResponseObject().status(401).json({ error: `Not a WaveSpeed callback: ${problem}` });
		return { noWebhookResponse: true };
	}
	const state = await loadWaitState(this);
	if (!state) return acknowledge('This node is not waiting for WaveSpeed tasks');
	const taskId = (this.getBodyData() as { id?: unknown }).id;
	if (!state.waiting.some((waiting) => waiting.taskId === taskId)) return acknowledge('Not a task of this wait');

	const ended = await readEndedTasks(this, state);
	if (!ended) return acknowledge('Other tasks of this execution are still running');
	if (!claim(String(getWaitId(this)))) return acknowledge('This execution is already resuming');

	// Failed tasks and failed downloads become error items: the node only waits by webhook under Continue On Fail.
	const outcomes = await buildOutcomes(this, state, ended);
	clearWaitState(this);
	// All items in input order on the first output: n8n re-links each to the input item at its position, then (with
	// "Continue (using error output)") moves those carrying `error` to the error output, as for any node's output.
	const items = outcomes.map((outcome, itemIndex): INodeExecutionData =>
		'item' in outcome ? { ...outcome.item, pairedItem: { item: itemIndex } } : toErrorItem(this, outcome.error, itemIndex, outcome.taskId),
	);
	return { workflowData: [items] };
}
