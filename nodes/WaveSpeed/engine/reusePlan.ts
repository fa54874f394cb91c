import type { DeduplicationHelperFunctions, IExecuteFunctions } from 'n8n-workflow';

import type { IdempotencySetting } from '../reuse/idempotency';
import { confirmLinks } from '../reuse/linkStore';
import { RecoveryKeys } from '../reuse/recoveryKey';
import type { RecoverySource } from '../reuse/recoveryKey';
import type { DescribedRequest } from '../operations/operation';
import type { TaskLedger } from './taskLedger';

/** What an item brings from its prepare step: its Idempotency Key, or else its request for default recovery. */
export interface ReuseJob {
	itemIndex: number;
	idempotency?: IdempotencySetting;
	recovery?: { windowMs: number; described: DescribedRequest };
}

/**
 * For one node run: under which key each item may take a task paid for earlier (its Idempotency Key, or its request's
 * recovery key), and, once the run's output is decided, which results reached the workflow (so a later run of the same
 * request pays for a new one instead of taking them).
 */
export class ReusePlan {
	private readonly recoveryKeys: RecoveryKeys;
	private readonly keysByItem = new Map<number, { key: string; kind: IdempotencySetting['kind'] }>();

	constructor(
		private readonly ctx: IExecuteFunctions,
		operation: string,
		jobs: Array<ReuseJob | undefined>,
	) {
		// Recovery is a default: where n8n offers no deduplication store for this node (an unsaved workflow, some tool
		// contexts), items run as they always did, without a word.
		const canRecover = hasStore(ctx);
		const sources = jobs.map((job): RecoverySource | undefined =>
			canRecover && job?.recovery ? { operation, request: job.recovery.described.request, binaries: job.recovery.described.binaries } : undefined,
		);
		this.recoveryKeys = new RecoveryKeys(sources);
	}

	/** The item's setting, or undefined: every item is a new task, as before. Recovery keys cost a hash of the binaries. */
	async settingFor(job: ReuseJob): Promise<IdempotencySetting | undefined> {
		if (job.idempotency) {
			this.keysByItem.set(job.itemIndex, { key: job.idempotency.key, kind: 'key' });
			return job.idempotency;
		}
		if (!job.recovery) return undefined;
		const key = await this.recoveryKeys.keyFor(job.itemIndex);
		if (!key) return undefined;
		this.keysByItem.set(job.itemIndex, { key, kind: 'recovery' });
		return { kind: 'recovery', key, reuseWindowMs: job.recovery.windowMs, request: job.recovery.described.request };
	}

	/**
	 * Once the run's output is decided: every keyed item's paid task is confirmed in the store (linkStore.confirmLinks),
	 * and, for recovery, the items in `delivered` (a result, a task id, or a task handed to a saved webhook wait) are
	 * marked delivered. `delivered` is empty for a run whose output n8n discards (a failed node, a Stop).
	 */
	async settle(delivered: number[], ledger: TaskLedger, signal?: AbortSignal): Promise<void> {
		const reached = new Set(delivered);
		const links = [...this.keysByItem].flatMap(([itemIndex, { key, kind }]) => {
			const taskId = ledger.get(itemIndex).taskId;
			return taskId ? [{ key, taskId, itemIndex, delivered: kind === 'recovery' && reached.has(itemIndex) }] : [];
		});
		await confirmLinks(this.ctx, links, signal);
	}
}

function hasStore(ctx: IExecuteFunctions): boolean {
	const helpers = ctx.helpers as Partial<DeduplicationHelperFunctions>;
	return typeof helpers.checkProcessedAndRecord === 'function' && typeof helpers.removeProcessed === 'function' && Boolean(ctx.getWorkflow().id);
}
