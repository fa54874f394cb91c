import type { RunContext } from '../operations/operation';
import { DurationModel, PollBudget } from '../task/pollSchedule';
import type { TaskPacing, WaitingTask } from '../task/taskRun';
import { MAX_PARALLEL_TRANSFERS, TaskSlots } from '../transport/concurrency';
import type { TaskLedger } from './taskLedger';

export type { RunContext } from '../operations/operation';

/**
 * One AbortController per running item, all aborted together. Sharing one signal would pile a listener per sleep
 * and request of every item onto it (Node warns past 10); this way each signal has one or two.
 */
export class Run {
	private readonly running = new Set<AbortController>();
	private stopped = false;
	/** The execution itself was stopped (Stop button, execution timeout), not just this node failing fast. */
	private executionStopped = false;
	private readonly onExecutionStopped = () => {
		this.executionStopped = true;
		this.stop();
	};

	readonly pacing: TaskPacing;
	/** Tasks handed over to a webhook wait (Wait Method "webhook"), in the order they were submitted. */
	readonly awaiting: WaitingTask[] = [];

	constructor(
		readonly ledger: TaskLedger,
		maxConcurrency: number,
		private readonly executionSignal: AbortSignal | undefined,
		readonly isToolCall = false,
		private readonly callbackUrl?: string,
	) {
		this.pacing = {
			taskSlots: new TaskSlots(maxConcurrency),
			// Each download holds a socket and a file: at Max Concurrency 1,000 a slot per task would need thousands of
			// file descriptors at once, and 64 streams already fill a host's link.
			downloadSlots: new TaskSlots(Math.min(maxConcurrency, MAX_PARALLEL_TRANSFERS)),
			durations: new DurationModel(),
			pollBudget: new PollBudget(),
			submitGate: ledger.submitGate,
		};
		if (executionSignal?.aborted) this.onExecutionStopped();
		executionSignal?.addEventListener('abort', this.onExecutionStopped, { once: true });
	}

	/** The execution's signal outlives this run (a node in a loop runs many times): let go of it. */
	dispose(): void {
		this.executionSignal?.removeEventListener('abort', this.onExecutionStopped);
	}

	get isStopped(): boolean {
		return this.stopped;
	}

	get wasExecutionStopped(): boolean {
		return this.executionStopped;
	}

	/** No new item starts, and running items are told to end. */
	stop(): void {
		this.stopped = true;
		for (const controller of this.running) controller.abort();
	}

	async runItem<T>(itemIndex: number, work: (context: RunContext) => Promise<T>): Promise<T> {
		// After an insufficient-balance refusal an item that has no task yet does not start (no uploads for nothing).
		const gateClosed = this.ledger.get(itemIndex).taskId ? undefined : this.pacing.submitGate.notSubmitted(itemIndex);
		if (gateClosed) throw gateClosed;
		const controller = new AbortController();
		if (this.stopped) controller.abort();
		this.running.add(controller);
		try {
			return await work({
				startedAtMs: Date.now(),
				signal: controller.signal,
				uploads: this.ledger.uploads,
				pacing: this.pacing,
				record: this.ledger.get(itemIndex),
				onSubmitted: (taskId) => this.ledger.recordSubmitted(itemIndex, taskId),
				isToolCall: this.isToolCall,
				callback: this.callbackUrl ? { url: this.callbackUrl, onAwaiting: (waiting) => this.awaiting.push(waiting) } : undefined,
			});
		} finally {
			this.running.delete(controller);
		}
	}
}
