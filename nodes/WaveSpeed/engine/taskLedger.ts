import type { IExecuteFunctions } from 'n8n-workflow';

import type { ItemRecord } from '../operations/operation';
import { SubmitGate } from '../task/submitGate';
import type { UploadSession } from '../media/upload';
import { createUploadSession } from '../media/upload';

/**
 * What a node's execution remembers across n8n's "Retry On Fail" tries: the task each item already paid for, and the
 * uploads. n8n runs the node again with the same execution data object for every try of one run (WorkflowExecute's
 * retry loop), so that object is the key: the memory lives exactly as long as n8n holds the run, and a new run (a
 * loop, another execution) starts clean. Kept per node name, since two nodes may share one input.
 */
export class TaskLedger {
	readonly uploads: UploadSession = createUploadSession();
	/** Closed by an insufficient-balance refusal; a Retry On Fail try submits nothing new either (it would be refused). */
	readonly submitGate = new SubmitGate();
	private readonly records = new Map<number, ItemRecord>();

	get(itemIndex: number): ItemRecord {
		let record = this.records.get(itemIndex);
		if (!record) {
			record = {};
			this.records.set(itemIndex, record);
		}
		return record;
	}

	recordSubmitted(itemIndex: number, taskId: string): void {
		Object.assign(this.get(itemIndex), { taskId, submitOutcomeUnknown: false });
	}

	/** Every task id this run knows, by item, in item order. */
	taskIds(): Array<[itemIndex: number, taskId: string]> {
		return [...this.records.entries()]
			.filter((entry): entry is [number, ItemRecord & { taskId: string }] => Boolean(entry[1].taskId))
			.map(([itemIndex, record]): [number, string] => [itemIndex, record.taskId])
			.sort(([a], [b]) => a - b);
	}
}

const ledgers = new WeakMap<object, Map<string, TaskLedger>>();

/** This run's ledger: a fresh one on the first try, the same one on every retry. */
export function openTaskLedger(ctx: IExecuteFunctions): TaskLedger {
	const key = getRunKey(ctx);
	let byNode = ledgers.get(key);
	if (!byNode) {
		byNode = new Map();
		ledgers.set(key, byNode);
	}
	const nodeName = ctx.getNode().name;
	let ledger = byNode.get(nodeName);
	if (!ledger) {
		ledger = new TaskLedger();
		byNode.set(nodeName, ledger);
	}
	return ledger;
}

/**
 * n8n's execution data for this run of the node (the same object on each retry); contexts without it (an agent's
 * tool context on older n8n) fall back to the input items array, which the retry loop also passes unchanged.
 */
function getRunKey(ctx: IExecuteFunctions): object {
	const getExecuteData = (ctx as Partial<Pick<IExecuteFunctions, 'getExecuteData'>>).getExecuteData;
	const executeData: unknown = typeof getExecuteData === 'function' ? getExecuteData.call(ctx) : undefined;
	return executeData && typeof executeData === 'object' ? executeData : ctx.getInputData();
}
