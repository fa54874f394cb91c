import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { TaskSettings } from '../task/taskRun';
import { readApiBaseUrl, whyWaveSpeedCannotCall } from './callbackReachability';
import { buildOutcomes, readEndedTasks } from './finishWait';
import type { OutputShaping, WaitState } from './waitState';
import { checkStateStorage, saveWaitState } from './waitState';

/** How this execution waits: WaveSpeed calls `callbackUrl` (n8n's resume URL), or it polls, with `note` saying why. */
export interface WaitPlan {
	callbackUrl?: string;
	note?: string;
}

/**
 * Wait Method "webhook" when everything it needs holds, else poll mode with a note in every output item: never
 * silently. The batch is already validated, and nothing has been sent.
 */
export async function planWait(
	ctx: IExecuteFunctions,
	settings: Array<TaskSettings | undefined>,
	run: { waitMethod: string; isToolCall: boolean; continueOnFail: boolean },
): Promise<WaitPlan> {
	if (run.waitMethod !== 'webhook') return {};
	const waiting = settings.filter((item): item is TaskSettings => item?.waitForCompletion === true);
	if (waiting.length === 0) return {};
	const reason = await whyCannotWait(ctx, waiting, settings, run);
	if (typeof reason === 'string') return { note: `Waited by polling, not by webhook: ${reason}` };
	return { callbackUrl: reason.resumeUrl };
}

async function whyCannotWait(
	ctx: IExecuteFunctions,
	settings: TaskSettings[],
	everyItem: Array<TaskSettings | undefined>,
	{ isToolCall, continueOnFail }: { isToolCall: boolean; continueOnFail: boolean },
): Promise<string | { resumeUrl: string }> {
	if (isToolCall) return 'an AI agent needs the answer within its own run';
	// n8n resumes a waiting node with items only (from its webhook, or its input when the wait times out), never with
	// a failure: "Stop Workflow" could not be kept, so a failed or timed-out task must be allowed to come out as an item.
	if (!continueOnFail) return 'it needs the node\'s On Error setting to continue (regular or error output), since n8n cannot resume a waiting node into a failure';
	if (typeof ctx.putExecutionToWait !== 'function') return 'this n8n cannot put an execution to wait from this node';
	if (settings.some((item) => item.base64Output)) return 'WaveSpeed does not call back for Base64 Output tasks';
	// Every item's, not only the waiting ones': an item that does not wait still gets its finished image from a Sync Mode
	// reply, and a wait keeps only the JSON of the items that did not wait.
	if (everyItem.some((item) => item?.syncMode)) return 'with Sync Mode the submit itself waits for the task';
	const resumeUrl = String(ctx.evaluateExpression('{{ $execution.resumeUrl }}', 0) ?? '');
	if (!/^https?:\/\//.test(resumeUrl)) return "n8n gave no resume URL for this execution";
	const unreachable = whyWaveSpeedCannotCall(resumeUrl, await readApiBaseUrl(ctx, 0));
	if (unreachable) return `n8n's resume URL ${unreachable}: set n8n's WEBHOOK_URL to its public https address`;
	return (await checkStateStorage(ctx)) ?? { resumeUrl };
}

/**
 * Saves what the resumed node needs, sets what a timed-out wait passes on, then parks the execution until WaveSpeed
 * calls back or the wait ends. Unless every task has ended already (a fast model, or a batch whose last items were
 * refused): n8n answers a callback for an execution it has not yet saved as waiting with 409 ("running already"), so
 * no call may come to resume the wait. Then the node finishes now, with the items a resume would output (returned).
 * That costs one read while the newest task runs.
 */
export async function startWaiting(ctx: IExecuteFunctions, state: WaitState, shaping: OutputShaping): Promise<INodeExecutionData[] | undefined> {
	// Unreadable now: wait, as planned; the callbacks still come.
	const ended = await readEndedTasks(ctx, state).catch(() => undefined);
	if (ended) return shaping.toItems(ctx, await buildOutcomes(ctx, state, ended, shaping), state.itemCount);
	await saveWaitState(ctx, state);
	setTimedOutOutput(ctx, state, shaping);
	await ctx.putExecutionToWait(new Date(state.waitTillMs));
	return undefined;
}

/**
 * When a wait times out, n8n resumes the execution without running the node: it disables it, and the node passes
 * on the input it was waiting with. That input would be the original items (the photo to edit, not the edited
 * image), so it is replaced, before the wait, with one error item per input item naming its task for Get Result,
 * as poll mode makes them (n8n moves them to the error output under "Continue (using error output)"). A webhook
 * resume replaces it again, with the results.
 */
function setTimedOutOutput(ctx: IExecuteFunctions, state: WaitState, shaping: OutputShaping): void {
	const seconds = Math.round(Math.max(...state.waiting.map((waiting) => waiting.timeoutMs)) / 1000);
	const outcomes = shaping.beforeWait(ctx, state);
	for (const { itemIndex, taskId } of state.waiting) {
		const message = `WaveSpeed had not called back for every task when the wait ended (Timeout ${seconds} s): task ${taskId} may have finished or may still run. Collect it with "Get Result".`;
		outcomes[itemIndex] = { error: new NodeOperationError(ctx.getNode(), message, { itemIndex }), taskId };
	}
	ctx.getExecuteData().data = { main: [shaping.toItems(ctx, outcomes, state.itemCount)] };
}
