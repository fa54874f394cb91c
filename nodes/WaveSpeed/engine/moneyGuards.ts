import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { BatchEstimate, ItemEstimate } from '../money/budget';
import { describeBalanceRefusal, describeCapRefusal, describeUnquoted, readBalanceUsd, sumEstimates } from '../money/budget';
import { parameterError } from '../transport/itemErrors';
import { BALANCE_ENDPOINT } from '../models/model';
import { QUOTE_WAIT_MS } from '../money/modelPrice';
import { apiRequest } from '../transport';
import type { OperationModule } from '../operations/operation';
import { readBoolean, readNumber } from '../operations/parameters';
import type { TaskLedger } from './taskLedger';

/**
 * The two guards run once per execution, after every item is prepared and before anything is sent: Max Cost per Run
 * (the batch's estimate against a cap) and Check Balance First (against the account's balance, one free request).
 * Over either, nothing is sent: the node fails, or under Continue On Fail every item that would have submitted a task
 * fails with the reason. The third guard, a refused submit closing the run's SubmitGate, is in task/taskRun.ts.
 */

/** The balance check is a guard, not a hold-up: a slow balance endpoint does not delay the batch for long. */
const BALANCE_WAIT_MS = 15_000;

interface MoneyOptions {
	maxCostUsd?: number;
	checkBalance: boolean;
}

type Prepared<Job> = { job: Job } | { error: Error };

export async function guardSpending<Job extends { itemIndex: number }>(
	ctx: IExecuteFunctions,
	handler: OperationModule<Job>,
	prepared: Array<Prepared<Job>>,
	ledger: TaskLedger,
	continueOnFail: boolean,
): Promise<void> {
	const estimateItem = handler.estimateCost;
	if (!estimateItem) return;
	const options = readMoneyOptions(ctx);
	if (options.maxCostUsd === undefined && !options.checkBalance) return;
	// Only new tasks cost: an item an earlier try (Retry On Fail) already submitted is picked up, not paid again.
	const jobs = prepared.flatMap((entry) => ('job' in entry && isNewTask(ledger, entry.job.itemIndex) ? [entry.job] : []));
	if (jobs.length === 0) return;

	const signal = ctx.getExecutionCancelSignal?.();
	// Every item's estimate at once, with one wait for the whole batch (each item's Timeout, where shorter, bounds its
	// own): a quote is asked once per model and priced inputs in the run, and a quote route that gives no answer is not
	// asked again (money/modelPrice.ts). What did not answer in time is estimated without it, and labelled so.
	const call = { signal, deadlineMs: Date.now() + QUOTE_WAIT_MS };
	const costs = await Promise.all(jobs.map(async (job) => await estimateItem.call(ctx, job, call).catch((): IDataObject => ({}))));
	const estimates: ItemEstimate[] = jobs.map((job, index) => {
		const { estimatedCostUsd, costNote } = costs[index] ?? {};
		return {
			itemIndex: job.itemIndex,
			costUsd: typeof estimatedCostUsd === 'number' ? estimatedCostUsd : undefined,
			...(typeof costNote === 'string' ? { note: costNote } : {}),
		};
	});
	const batch = sumEstimates(estimates);
	const unquoted = describeUnquoted(batch);
	if (unquoted) ctx.logger.warn(`WaveSpeed: the money guards estimated ${unquoted}`);

	const refusal =
		(options.maxCostUsd !== undefined ? describeCapRefusal(batch, options.maxCostUsd) : undefined) ??
		(options.checkBalance ? await checkBalance(ctx, batch, signal) : undefined);
	if (!refusal) return;
	if (!continueOnFail) throw new NodeOperationError(ctx.getNode(), refusal.message, { description: refusal.description });
	for (const job of jobs) {
		prepared[job.itemIndex] = { error: new NodeOperationError(ctx.getNode(), refusal.message, { itemIndex: job.itemIndex, description: refusal.description }) };
	}
}

function isNewTask(ledger: TaskLedger, itemIndex: number): boolean {
	const record = ledger.get(itemIndex);
	return !record.taskId && !record.output && !record.submitOutcomeUnknown;
}

/**
 * One free GET of the balance. A balance that cannot be read does not stop the batch (a warning is logged): WaveSpeed
 * still refuses a task the balance cannot pay, and that refusal stops the rest of the run. A balance sent as text
 * ("12.50") is read as the number it says.
 */
async function checkBalance(ctx: IExecuteFunctions, batch: BatchEstimate, signal: AbortSignal | undefined) {
	if (batch.totalUsd <= 0) return undefined;
	const notChecked = (why: string) => {
		ctx.logger.warn(`WaveSpeed: the balance could not be read before the run, so it was not checked: ${why}`);
		return undefined;
	};
	const balanceUsd = await apiRequest<{ balance?: unknown } | null>(ctx, {
		method: 'GET',
		path: BALANCE_ENDPOINT,
		kind: 'read',
		itemIndex: 0,
		signal,
		deadlineMs: Date.now() + BALANCE_WAIT_MS,
	}).then(
		(data) => readBalanceUsd(data?.balance) ?? notChecked(`the reply's balance is ${describeValue(data?.balance)}, not an amount`),
		(error: Error) => notChecked(error.message),
	);
	return balanceUsd === undefined ? undefined : describeBalanceRefusal(batch, balanceUsd);
}

function describeValue(value: unknown): string {
	if (value === undefined) return 'missing';
	const text = JSON.stringify(value) ?? String(value);
	return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/** Max Cost per Run and Check Balance First, from the first item: they apply to the whole batch. */
function readMoneyOptions(ctx: IExecuteFunctions): MoneyOptions {
	const raw = ctx.getNodeParameter('options', 0, {}) as { maxCostUsd?: unknown; checkBalance?: unknown } | null;
	const options = raw && typeof raw === 'object' ? raw : {};
	const checkBalance = readBoolean(ctx, 0, options.checkBalance, 'Check Balance First', true);
	if (options.maxCostUsd === undefined || options.maxCostUsd === null || options.maxCostUsd === '') return { checkBalance };
	const maxCostUsd = readNumber(ctx, 0, options.maxCostUsd, 'Max Cost per Run (USD)', 0);
	if (!(maxCostUsd >= 0)) throw parameterError(ctx.getNode(), 0, 'Max Cost per Run (USD)', 'Must be 0 or more');
	return { maxCostUsd, checkBalance };
}
