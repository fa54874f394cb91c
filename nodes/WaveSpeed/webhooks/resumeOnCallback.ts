import type { IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { checkCallback, readRawBody } from './callbackSecret';
import { buildOutcomes, readEndedTasks } from './finishWait';
import { clearWaitState, getWaitId, loadWaitState } from './waitState';
import type { OutputShaping } from './waitState';

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
export async function resumeOnCallback(this: IWebhookFunctions, shaping: OutputShaping): Promise<IWebhookResponseData> {
	// A throw from here would make n8n end the waiting execution with a webhook error and pass an empty item on: any
	// failure (the secret or a result unreadable now) is answered 503 instead, and WaveSpeed delivers the call again.
	return await handleCallback(this, shaping).then(
		(response) => response,
		(error: Error) => {
			this.logger.warn(`WaveSpeed: a callback for a waiting execution could not be handled now: ${error.message}`);
			return answer(this, 503, `Could not handle the callback now: ${error.message}`);
		},
	);
}

function answer(ctx: IWebhookFunctions, status: number, error: string): IWebhookResponseData {
	ctx.getResponseObject().status(status).json({ error });
	return { noWebhookResponse: true };
}

async function handleCallback(ctx: IWebhookFunctions, shaping: OutputShaping): Promise<IWebhookResponseData> {
	const acknowledge = (note: string): IWebhookResponseData => ({ webhookResponse: { received: true, note } });
	const rawBody = await readRawBody(ctx);
	const problem = rawBody ? await checkCallback(ctx, rawBody) : 'the body is empty';
	if (problem || !rawBody) return answer(ctx, 401, `Not a WaveSpeed callback: ${problem}`);
	const state = await loadWaitState(ctx);
	if (!state) return acknowledge('This node is not waiting for WaveSpeed tasks');
	const taskId = readTaskId(rawBody);
	if (!state.waiting.some((waiting) => waiting.taskId === taskId)) return acknowledge('Not a task of this wait');

	const ended = await readEndedTasks(ctx, state);
	if (!ended) return acknowledge('Other tasks of this execution are still running');
	if (!claim(String(getWaitId(ctx)))) return acknowledge('This execution is already resuming');

	// Failed tasks and failed downloads become error items: the node only waits by webhook under Continue On Fail.
	const outcomes = await buildOutcomes(ctx, state, ended, shaping);
	clearWaitState(ctx);
	return { workflowData: [shaping.toItems(ctx, outcomes, state.itemCount)] };
}

/** The task the verified bytes speak of. */
function readTaskId(rawBody: Buffer): string | undefined {
	try {
		const id = (JSON.parse(rawBody.toString('utf8')) as { id?: unknown } | null)?.id;
		return typeof id === 'string' ? id : undefined;
	} catch {
		return undefined;
	}
}
