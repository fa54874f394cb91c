import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { runPool } from '../transport/concurrency';
import { runWithIdempotencyKey } from '../reuse/idempotency';
import { getTaskId } from '../transport/itemErrors';
import type { TaskSettings } from '../task/taskRun';
import { isSubmitOutcomeUnknown } from '../transport';
import { assertCallbackUrlReachable } from '../webhooks/callbackReachability';
import { planWait, startWaiting } from '../webhooks/startWait';
import type { WaitPlan } from '../webhooks/startWait';
import * as operations from '../operations/index';
import type { Operation } from '../operations/index';
import { asNodeError } from './errorItems';
import { outcomesToItems, outputShaping, splitAroundWait } from './itemOutcomes';
import type { ItemOutcome } from './itemOutcomes';
import { guardSpending } from './moneyGuards';
import { readIdempotency, readRecoveryWindowMs } from '../operations/reuseOptions';
import type { OperationModule } from '../operations/operation';
import { readMaxConcurrency, readWaitMethod } from '../operations/parameters';
import { ReusePlan } from './reusePlan';
import type { ReuseJob } from './reusePlan';
import { Run } from './runContext';
import type { TaskLedger } from './taskLedger';
import { openTaskLedger } from './taskLedger';

type Job = ReuseJob & { settings?: TaskSettings };

/**
 * Runs the chosen operation for every item: first every item's parameters and inputs are read and checked (nothing
 * is sent until the whole batch is valid), then the work runs in a bounded pool, output in input order with
 * pairedItem. The one place that decides what an item's error does: an error item (Continue On Fail, regular or
 * error output) or the node's failure.
 */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const operation = this.getNodeParameter('operation', 0) as Operation;
	const handler = operations[operation] as OperationModule<Job> | undefined;
	if (!handler) {
		throw new NodeOperationError(this.getNode(), `The operation "${String(operation)}" is not supported`);
	}
	const continueOnFail = this.continueOnFail();
	const isToolCall = isToolCallContext(this);
	const maxConcurrency = readMaxConcurrency(this);
	const ledger = openTaskLedger(this);

	const prepared = await prepareAll(this, handler, items.length, isToolCall, continueOnFail);
	await guardSpending(this, handler, prepared, ledger, continueOnFail);
	const plan: WaitPlan = handler.holdsTaskSlots
		? await planWait(this, prepared.map((job) => ('job' in job ? job.job.settings : undefined)), { waitMethod: readWaitMethod(this), isToolCall, continueOnFail })
		: {};

	const run = new Run(ledger, maxConcurrency, this.getExecutionCancelSignal?.(), isToolCall, plan.callbackUrl);
	const reuse = new ReusePlan(this, operation, prepared.map((entry) => ('job' in entry ? entry.job : undefined)));
	let firstFailure: { itemIndex: number; error: Error } | undefined;
	let settled: Awaited<ReturnType<typeof runPool<ItemOutcome>>>;
	try {
		settled = await runPool(
			items.length,
			// Task slots bound what runs at WaveSpeed; more items in flight let uploads and downloads overlap the tasks.
			handler.holdsTaskSlots ? 2 * maxConcurrency : maxConcurrency,
			async (itemIndex): Promise<ItemOutcome> => {
				const job = prepared[itemIndex];
				if ('error' in job) return job;
				try {
					return { item: await runJob(this, handler, job.job, run, reuse) };
				} catch (error) {
					if (isSubmitOutcomeUnknown(error)) ledger.get(itemIndex).submitOutcomeUnknown = true;
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

	// n8n discards the output of a stopped or failed node: the log is then the one place its paid tasks are named, and
	// they are confirmed for a later run, none delivered. After a Stop the items are returned as they ended, not thrown:
	// n8n then records the execution as canceled.
	if (run.wasExecutionStopped || firstFailure) {
		reportTasksLeftBehind(this, ledger, firstFailure && !run.wasExecutionStopped ? `the node failed on item ${firstFailure.itemIndex}` : 'the execution was stopped');
		await reuse.settle([], ledger);
		if (firstFailure && !run.wasExecutionStopped) throw describeLeftBehind(firstFailure.error, firstFailure.itemIndex, ledger);
	}

	const notRun = () => new NodeOperationError(this.getNode(), 'The execution was stopped before this item ran');
	const outcomes = settled.map((result, itemIndex): ItemOutcome => {
		const outcome: ItemOutcome = result?.status === 'fulfilled' ? result.value : { error: result?.reason ?? notRun() };
		return 'error' in outcome ? { error: outcome.error, taskId: getTaskId(outcome.error) ?? ledger.get(itemIndex).taskId } : outcome;
	});
	if (run.awaiting.length > 0 && !run.wasExecutionStopped) {
		// Every task is submitted: the execution now waits for WaveSpeed's callbacks without holding a worker. The resumed
		// node outputs what webhooks/resumeOnCallback builds, from this state: every input item is in it exactly once,
		// waiting for its task, failed before the wait, or passed on as it came out (Wait for Completion off).
		const { failed, passed } = splitAroundWait(outcomes, items.length, new Set(run.awaiting.map((waiting) => waiting.itemIndex)));
		const waitTillMs = Math.max(...run.awaiting.map((waiting) => waiting.deadlineMs));
		const state = { version: 1 as const, itemCount: items.length, waiting: run.awaiting, failed, passed, maxConcurrency, waitTillMs };
		const finished = await startWaiting(this, state, outputShaping);
		// The wait is saved and survives restarts: its tasks and the passed items' results have reached the workflow.
		await reuse.settle(deliveredItems(outcomes), ledger);
		// Shown only while the execution waits (n8n replaces it with the resumed node's output).
		return [finished ?? outcomesToItems(this, outcomes, items.length)];
	}
	if (!run.wasExecutionStopped) await reuse.settle(deliveredItems(outcomes), ledger);
	return [outcomesToItems(this, outcomes, items.length, { waitNote: plan.note, forAgent: run.isToolCall })];
}

type Prepared = { job: Job } | { error: Error };

/**
 * Every item's read-and-check step, before any request of the execution. Without Continue On Fail the first invalid
 * item fails the node with nothing sent; with it, invalid items become error items and the rest go on.
 */
async function prepareAll(
	ctx: IExecuteFunctions,
	handler: OperationModule<Job>,
	itemCount: number,
	isToolCall: boolean,
	continueOnFail: boolean,
): Promise<Prepared[]> {
	const prepared: Prepared[] = [];
	for (let itemIndex = 0; itemIndex < itemCount; itemIndex++) {
		try {
			const job = await handler.prepare.call(ctx, itemIndex, { isToolCall });
			// Operations that submit paid tasks take the Idempotency Key, else recover an undelivered result of the same
			// request (reuse/idempotency.ts); either is checked against the request before it is taken.
			const described = handler.holdsTaskSlots ? handler.describeRequest?.(job) : undefined;
			const idempotency = described ? readIdempotency(ctx, itemIndex) : undefined;
			if (described && idempotency) job.idempotency = { ...idempotency, request: described.request };
			const recoveryWindowMs = described && !idempotency ? readRecoveryWindowMs(ctx, itemIndex) : 0;
			if (described && recoveryWindowMs > 0) job.recovery = { windowMs: recoveryWindowMs, described };
			await assertCallbackUrlReachable(ctx, (job as { settings?: { callbackUrl?: string } }).settings?.callbackUrl, itemIndex);
			prepared.push({ job });
		} catch (error) {
			if (!continueOnFail) throw asNodeError(ctx, error, itemIndex);
			prepared.push({ error: error as Error });
		}
	}
	return prepared;
}

/**
 * One item's work, with what earlier tries of this run left: a finished output is handed out again, a known task is
 * picked up (inside the operation), and a task whose submit reply was lost is never risked again.
 */
async function runJob(ctx: IExecuteFunctions, handler: OperationModule<Job>, job: Job, run: Run, reuse: ReusePlan): Promise<INodeExecutionData> {
	const record = run.ledger.get(job.itemIndex);
	if (record.output) return record.output;
	if (record.submitOutcomeUnknown) {
		throw new NodeOperationError(
			ctx.getNode(),
			'Not submitted again: an earlier try of this node sent this task and lost the reply, so it may exist and be billed',
			{
				itemIndex: job.itemIndex,
				description:
					'n8n\'s "Retry On Fail" ran the node again. Check your WaveSpeed dashboard for a task created at the time of the first try, and collect it with "Get Result".',
			},
		);
	}
	const item = await run.runItem(job.itemIndex, async (context) => {
		// The lookup is inside the item's Timeout, which counts from the item's start (as its uploads and task do).
		const lookup = { itemIndex: job.itemIndex, signal: context.signal, deadlineMs: context.startedAtMs + (job.settings?.timeoutMs ?? 0) };
		// An item whose key (or request, for an undelivered result) was paid for before picks that task up instead.
		const setting = await reuse.settingFor(job);
		return await runWithIdempotencyKey(ctx, run.ledger, setting, context, lookup, async (keyedContext) => await handler.execute.call(ctx, job, keyedContext));
	});
	// A task handed to a webhook wait has not ended: its submit reply is not the item's result. Kept out of the ledger,
	// a Retry On Fail try after a failed park picks the task up again (parks again, or finishes it), never outputs it.
	if (!run.awaiting.some((waiting) => waiting.itemIndex === job.itemIndex)) record.output = item;
	return item;
}

/** The items that came out with a result (or a task id), not an error: what a later run must not take again. */
function deliveredItems(outcomes: ItemOutcome[]): number[] {
	return outcomes.flatMap((outcome, itemIndex) => ('item' in outcome ? [itemIndex] : []));
}

/**
 * The tool variant of a node is typed `<node>Tool`, whichever agent runs it (n8n 2.x's Agent 3 runs tools as ordinary
 * nodes, where isToolExecution() is false); Agent 2's tool context also answers isToolExecution().
 */
function isToolCallContext(ctx: IExecuteFunctions): boolean {
	if (ctx.getNode().type.endsWith('Tool')) return true;
	const asTool = (ctx as { isToolExecution?: () => boolean }).isToolExecution;
	return typeof asTool === 'function' && asTool.call(ctx);
}

/** One warning per paid task whose result will not reach the workflow, with what is needed to collect it. */
function reportTasksLeftBehind(ctx: IExecuteFunctions, ledger: TaskLedger, reason: string): void {
	const workflowId = ctx.getWorkflow().id ?? '';
	const executionId = ctx.getExecutionId();
	for (const [itemIndex, taskId] of ledger.taskIds()) {
		ctx.logger.warn(
			`WaveSpeed task ${taskId} (workflow ${workflowId}, execution ${executionId}, node "${ctx.getNode().name}", item ${itemIndex}) ` +
				`was paid for but its result did not reach the workflow because ${reason}: collect it with Get Result`,
			{ workflowId, executionId, nodeName: ctx.getNode().name, itemIndex, taskId },
		);
	}
}

/** The node fails on one item; tasks other items already paid for are named, so Get Result can collect them. */
function describeLeftBehind(error: Error, failedItemIndex: number, ledger: TaskLedger): Error {
	const others = ledger.taskIds().filter(([itemIndex]) => itemIndex !== failedItemIndex);
	if (others.length === 0) return error;
	const list = others.map(([itemIndex, taskId]) => `item ${itemIndex}: ${taskId}`).join(', ');
	const note = `Tasks already submitted for other items (use "Get Result" to collect them): ${list}`;
	const withDescription = error as Error & { description?: string | null };
	withDescription.description = [withDescription.description, note].filter(Boolean).join('\n\n');
	return error;
}
