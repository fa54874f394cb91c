import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import type { RecoverySource } from '../helpers/recoveryKey';
import type { RequestPreview } from '../helpers/requestMatch';
import type { RunContext } from './runContext';

/** An item's request before anything is sent, and the binaries behind its placeholders (for recovery's key). */
export interface DescribedRequest {
	request: RequestPreview;
	binaries: RecoverySource['binaries'];
}

/** What every operation's prepare step knows of the execution. */
export interface PrepareContext {
	isToolCall: boolean;
}

/** How long the money guards wait for an item's estimate: one deadline for the whole batch. */
export interface EstimateCall {
	signal?: AbortSignal;
	/** The batch's one wait (epoch ms); the item's own Timeout, where shorter, bounds its estimate too. */
	deadlineMs: number;
}

/**
 * Every operation comes in two halves. `prepare` reads and checks one item's parameters and inputs and sends nothing;
 * the router runs it for the whole batch first, so bad input anywhere costs nothing. `execute` does the work for one
 * prepared item.
 */
export interface OperationModule<Job extends { itemIndex: number }> {
	description: INodeProperties[];
	/** Submits tasks, and so takes the execution's task slots (Max Concurrency) rather than one pool place an item. */
	holdsTaskSlots?: boolean;
	prepare(this: IExecuteFunctions, itemIndex: number, context: PrepareContext): Promise<Job>;
	execute(this: IExecuteFunctions, job: Job, run: RunContext): Promise<INodeExecutionData>;
	/**
	 * What one prepared item's new task is estimated to cost, as the cost fields its output will carry
	 * (`estimatedCostUsd`, absent when no price is known; `costSource`; `costNote`), for the money guards
	 * (actions/moneyGuards.ts). Only operations that submit paid tasks have it. May ask WaveSpeed's free price quote
	 * (helpers/modelPrice.ts: once per node run for the same model and priced inputs); never throws.
	 */
	estimateCost?(this: IExecuteFunctions, job: Job, call: EstimateCall): Promise<IDataObject>;
	/**
	 * The model and inputs one prepared item would send, binaries as placeholders: what an earlier task must match
	 * before its result is reused for the item (helpers/requestMatch.ts). Operations that submit paid tasks have it.
	 */
	describeRequest?(job: Job): DescribedRequest;
}
