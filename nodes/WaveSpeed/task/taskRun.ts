import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { getHttpStatus, getRetryAfterMs, isAccountConcurrencyFull, isInsufficientBalance } from '../transport';
import { DEFAULT_RETRY_POLICY, getRetryDelayMs } from '../transport/retry';
import { sleepUnlessAborted } from '../transport/sleep';
import type { SubmitGate } from './submitGate';
import type { TaskSlots } from '../transport/concurrency';
import type { DurationModel, PollBudget } from './pollSchedule';
import { pollPhase } from './pollSchedule';
import type { OutputMedia } from '../media/output';
import { buildOutputItem, getTaskJson } from '../media/output';
import { waitForTask } from './polling';
import { assertTaskNotFailed, fetchTask, submitTask } from './task';
import { isTerminal } from '../models/taskStatus';
import type { Task } from '../transport/types';

/** How an item waits for its task and what it returns, in plain values (milliseconds). */
export interface TaskSettings {
	waitForCompletion: boolean;
	/** WaveSpeed sends the outputs themselves instead of URLs. */
	base64Output: boolean;
	pollIntervalMs: number;
	timeoutMs: number;
	downloadOutput: boolean;
	outputBinaryProperty: string;
	syncMode: boolean;
	/** Wait for Completion off: WaveSpeed POSTs the finished task here (a WaveSpeed Trigger's URL, say). */
	callbackUrl?: string;
}

/** How items share WaveSpeed and the execution's downloads, and what they learn of task durations. */
export interface TaskPacing {
	/** Tasks running at WaveSpeed: what the account's concurrency limit counts. */
	taskSlots: TaskSlots;
	/** Output downloads: their own limit, so a finished task's download never holds a task slot. */
	downloadSlots: TaskSlots;
	durations: DurationModel;
	/** How many polls a second the execution makes at most, shared by its tasks. */
	pollBudget: PollBudget;
	/** Closed by a submit WaveSpeed refuses for insufficient balance: no further task of the run is submitted. */
	submitGate: SubmitGate;
}

/** A task handed over to a webhook wait (webhooks/): how its finished task becomes the item's output, as polling would. */
export interface WaitingTask {
	itemIndex: number;
	taskId: string;
	downloadOutput: boolean;
	outputBinaryProperty: string;
	media: OutputMedia;
	/** The item's Timeout: it also bounds the downloads after the wait. */
	timeoutMs: number;
	/** When the item's Timeout ends (epoch ms). */
	deadlineMs: number;
	/** Added to the output JSON (estimated cost and its source). */
	cost: IDataObject;
}

/** One billed task of any model: where it goes, what it sends, and how the item shares the execution. */
export interface TaskRunJob {
	/** The submit path, e.g. /api/v3/openai/gpt-image-2/edit. */
	endpoint: string;
	/** The model's inputs, exactly as sent. */
	request: IDataObject;
	/** Added to the output JSON: the estimated cost and where it came from (may still be asked of WaveSpeed). */
	cost: IDataObject | Promise<IDataObject>;
	/** Tasks of the same kind take about as long: what the poll schedule learns by. */
	durationKind: string;
	/** What the outputs may be: images only (GPT Image 2), or any image, video or audio. */
	media: OutputMedia;
	settings: TaskSettings;
	itemIndex: number;
	signal: AbortSignal;
	/** The item's Timeout, as a time (epoch ms): uploads, submits, waits and downloads all end by then. */
	deadlineMs: number;
	pacing: TaskPacing;
	/** A task an earlier try of the node already paid for: picked up instead of submitting a new one. */
	existingTaskId?: string;
	/** Told the task id as soon as it exists: the task is billed from then on. Awaited (an Idempotency Key is recorded). */
	onSubmitted: (taskId: string) => void | Promise<void>;
	/** Wait Method "webhook": the submit names `url` for WaveSpeed to call, and the item hands its task over instead of waiting. */
	callback?: TaskCallback;
}

export interface TaskCallback {
	url: string;
	onAwaiting(waiting: WaitingTask): void;
}

/** What a task takes from its item's run context: the item's signal, the shared pacing, an earlier try's task. */
export function getTaskSharing(run: {
	signal: AbortSignal;
	pacing: TaskPacing;
	record: { taskId?: string };
	onSubmitted: (taskId: string) => void | Promise<void>;
	callback?: TaskCallback;
}): Pick<TaskRunJob, 'signal' | 'pacing' | 'existingTaskId' | 'onSubmitted' | 'callback'> {
	const { signal, pacing, onSubmitted, callback } = run;
	return { signal, pacing, existingTaskId: run.record.taskId, onSubmitted, callback };
}

/**
 * Every model alike: submit once (or pick up the task an earlier try submitted), then return the task at once or
 * wait for it and build the output item. The task slot is held from the submit until the task ends, not through the
 * download.
 */
export async function runTask(ctx: IExecuteFunctions, job: TaskRunJob): Promise<INodeExecutionData> {
	const { settings, itemIndex, signal, pacing } = job;
	const cost = async () => await Promise.resolve(job.cost).catch(() => ({}));
	const request = { ...job.request, ...(settings.base64Output ? { enable_base64_output: true } : {}) };
	const learning = { model: pacing.durations, kind: job.durationKind };

	// A task an earlier try paid for runs at WaveSpeed already: it is picked up, takes no new slot, and teaches the
	// schedule nothing (its wait is not counted from its submit).
	const pickedUpAtMs = Date.now();
	const started = job.existingTaskId
		? { task: await fetchTask(ctx, job.existingTaskId, itemIndex, signal, job.deadlineMs), startedAtMs: pickedUpAtMs, holdsSlot: false }
		: { ...(await submitInSlot(ctx, job, request)), holdsSlot: true };
	// Sync Mode: WaveSpeed held the reply (awaited in full, past the Timeout if need be, so the billed task's id is never
	// lost); the Timeout then counts from that reply and bounds the polling and downloads after it.
	const deadlineMs = settings.syncMode && started.holdsSlot ? Math.max(job.deadlineMs, started.startedAtMs + settings.timeoutMs) : job.deadlineMs;
	let task: Task;
	try {
		await job.onSubmitted(started.task.id);
		// A sync-mode reply may already hold the finished outputs (base64 ones exist nowhere else): never drop them.
		if (!settings.waitForCompletion && !isTerminal(started.task.status)) return { json: { ...getTaskJson(started.task), ...(await cost()) } };
		// Only an item that waits is handed to the webhook wait; one that does not keeps its own Callback URL (or none).
		if (job.callback && settings.waitForCompletion) {
			// WaveSpeed will call back: the execution waits for the whole batch without a worker (see webhooks/). A task
			// that has ended already (an earlier try's) is handed over too: the wait's output covers every item.
			const { downloadOutput, outputBinaryProperty, timeoutMs } = settings;
			const waiting = {
				itemIndex,
				taskId: started.task.id,
				downloadOutput,
				outputBinaryProperty,
				timeoutMs,
				media: job.media,
				cost: await cost(),
				deadlineMs,
			};
			job.callback.onAwaiting(waiting);
			return { json: { ...getTaskJson(started.task), ...waiting.cost, waitMethod: 'webhook' } };
		}
		task = await waitForTask(ctx, started.task, {
			...settings,
			itemIndex,
			startedAtMs: started.startedAtMs,
			signal,
			learning: started.holdsSlot ? learning : undefined,
			phase: pollPhase(itemIndex),
			deadlineMs,
			budget: pacing.pollBudget,
		});
	} finally {
		if (started.holdsSlot) pacing.taskSlots.release(true);
	}
	assertTaskNotFailed(ctx, task, itemIndex);
	const outputOptions = { ...settings, itemIndex, signal, deadlineMs, media: job.media };
	const item = await withSlot(pacing.downloadSlots, signal, async () => await buildOutputItem(ctx, task, outputOptions));
	return { ...item, json: { ...item.json, ...(await cost()) } };
}

/**
 * Takes a task slot and submits, holding the slot on success. A 429 saying the account runs too many tasks gives the
 * slot back and lowers the limit to what is running: the item then waits for a running task to end instead of asking
 * again blindly. Any other 429 (a per-minute limit), or one while nothing of ours runs, waits WaveSpeed's Retry-After
 * (or a backoff) and keeps the limit. Never past the item's deadline.
 */
async function submitInSlot(ctx: IExecuteFunctions, job: TaskRunJob, request: IDataObject): Promise<{ task: Task; startedAtMs: number }> {
	const { pacing, signal, itemIndex, settings, deadlineMs } = job;
	let lastRefusal: Error | undefined;
	for (let refusals = 0; ; refusals++) {
		if (!(await pacing.taskSlots.acquire(signal, deadlineMs))) throw noTaskCreated(ctx, job, refusals, lastRefusal);
		const gateClosed = pacing.submitGate.notSubmitted(itemIndex);
		if (gateClosed) {
			pacing.taskSlots.release();
			throw gateClosed;
		}
		const submitted = await submitTask(ctx, job.endpoint, request, {
			itemIndex,
			signal,
			deadlineMs,
			syncTimeoutMs: settings.syncMode ? settings.timeoutMs : undefined,
			retryRateLimit: false,
			webhookUrl: settings.waitForCompletion ? job.callback?.url : settings.callbackUrl,
		}).then(
			(task) => ({ task }),
			(error: Error) => ({ error }),
		);
		if ('task' in submitted) {
			pacing.taskSlots.accepted();
			// The poll schedule counts from the reply: WaveSpeed created the task just before it. Counting from the request
			// would put the first poll before the end whenever the request took longer than usual to reach WaveSpeed
			// (a busy event loop), and the next one comes 500 ms later.
			return { task: submitted.task, startedAtMs: Date.now() };
		}
		pacing.taskSlots.release();
		// Never retried, and no other item of the run is submitted after it: each would be refused too.
		if (isInsufficientBalance(submitted.error)) pacing.submitGate.close(ctx.getNode(), submitted.error);
		if (getHttpStatus(submitted.error) !== 429) throw submitted.error;
		lastRefusal = submitted.error;
		// Lowering the limit on a per-minute 429 would run the rest of the batch a few tasks at a time for no reason.
		const accountFull = isAccountConcurrencyFull(submitted.error);
		if (accountFull) pacing.taskSlots.refused();
		if (!accountFull || pacing.taskSlots.confirmedCount === 0) {
			// A rate limit, or a full account while nothing of ours runs (other users of the key): back off.
			const waitMs = getRetryDelayMs(refusals, DEFAULT_RETRY_POLICY, getRetryAfterMs(submitted.error));
			if (Date.now() + waitMs >= deadlineMs) {
				await sleepUnlessAborted(deadlineMs - Date.now(), signal);
				throw noTaskCreated(ctx, job, refusals + 1, lastRefusal);
			}
			await sleepUnlessAborted(waitMs, signal);
		}
	}
}

function noTaskCreated(ctx: IExecuteFunctions, job: TaskRunJob, refusals: number, lastRefusal: Error | undefined): Error {
	const stopped = job.signal.aborted;
	const reason = isAccountConcurrencyFull(lastRefusal) ? 'too many tasks at once' : 'rate limited';
	const why = stopped
		? 'The execution was stopped before this task was submitted'
		: `No task was created within the ${Math.round(job.settings.timeoutMs / 1000)} s Timeout: WaveSpeed refused it ${refusals} time(s) (429, ${reason})`;
	return new NodeOperationError(ctx.getNode(), why, {
		itemIndex: job.itemIndex,
		description: stopped ? undefined : 'Nothing was billed for this item. Lower "Max Concurrency" or raise "Timeout".',
	});
}

async function withSlot<T>(slots: TaskSlots, signal: AbortSignal, work: () => Promise<T>): Promise<T> {
	// Not granted (the item was stopped): the work still runs and reports the stop; no slot is given back.
	const held = await slots.acquire(signal);
	try {
		return await work();
	} finally {
		if (held) slots.release();
	}
}
