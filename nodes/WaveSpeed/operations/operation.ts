import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import type { UploadSession } from '../media/upload';
import type { RecoverySource } from '../reuse/recoveryKey';
import type { RequestPreview } from '../reuse/requestMatch';
import type { TaskCallback, TaskPacing } from '../task/taskRun';

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
	 * (engine/moneyGuards.ts). Only operations that submit paid tasks have it. May ask WaveSpeed's free price quote
	 * (money/modelPrice.ts: once per node run for the same model and priced inputs); never throws.
	 */
	estimateCost?(this: IExecuteFunctions, job: Job, call: EstimateCall): Promise<IDataObject>;
	/**
	 * The model and inputs one prepared item would send, binaries as placeholders: what an earlier task must match
	 * before its result is reused for the item (reuse/requestMatch.ts). Operations that submit paid tasks have it.
	 */
	describeRequest?(job: Job): DescribedRequest;
}

/** What one item has got from WaveSpeed so far in this execution. */
export interface ItemRecord {
	/** The billed task of this item, from the moment WaveSpeed gave its id. */
	taskId?: string;
	/** A submit was sent and its reply lost: a task may exist, with an id nobody knows. */
	submitOutcomeUnknown?: boolean;
	/** The finished output item, so a later try hands it out again without a request. */
	output?: INodeExecutionData;
}


/** What one item's operation sees of the execution it runs in. */
export interface RunContext {
	/** When the item started (epoch ms): its Timeout counts from here, Idempotency Key lookup and uploads included. */
	startedAtMs: number;
	/** This item's signal: aborts when the execution is stopped or the node is about to fail. */
	signal: AbortSignal;
	uploads: UploadSession;
	/** Task and download slots shared by the execution's items, and the task durations they learnt. */
	pacing: TaskPacing;
	/** This item's record: the task an earlier try already paid for, and where a new task id is written at once. */
	record: ItemRecord;
	/** Called as soon as WaveSpeed gives the item's task id: the task is billed from then on. */
	onSubmitted(taskId: string): void | Promise<void>;
	/** Called by an AI agent as a tool: output stays compact JSON (agents take no binary data). */
	isToolCall: boolean;
	/** Wait Method "webhook": where WaveSpeed calls back, and where the item's task is handed over. */
	callback?: TaskCallback;
}
