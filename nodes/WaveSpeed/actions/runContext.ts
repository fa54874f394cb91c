import type { UploadSession } from '../helpers/upload';
import { createUploadSession } from '../helpers/upload';

/** What the items of one execution share, as one item's operation sees it. */
export interface RunContext {
	/** This item's signal: aborts when the execution is stopped or the node is about to fail. */
	signal: AbortSignal;
	uploads: UploadSession;
	/** Task ids by item, so a failing run can say what it leaves behind. */
	submittedTasks: Map<number, string>;
	/** Called by an AI agent as a tool: output stays compact JSON (agents take no binary data). */
	isToolCall: boolean;
}

/**
 * One AbortController per running item, all aborted together. Sharing one signal would pile a listener per sleep
 * and request of every item onto it (Node warns past 10); this way each signal has one or two.
 */
export class Run {
	readonly uploads = createUploadSession();
	readonly submittedTasks = new Map<number, string>();
	private readonly running = new Set<AbortController>();
	private stopped = false;
	private readonly onExecutionStopped = () => this.stop();

	constructor(
		private readonly executionSignal: AbortSignal | undefined,
		readonly isToolCall = false,
	) {
		if (executionSignal?.aborted) this.stop();
		executionSignal?.addEventListener('abort', this.onExecutionStopped, { once: true });
	}

	/** The execution's signal outlives this run (a node in a loop runs many times): let go of it. */
	dispose(): void {
		this.executionSignal?.removeEventListener('abort', this.onExecutionStopped);
	}

	get isStopped(): boolean {
		return this.stopped;
	}

	/** No new item starts, and running items are told to end. */
	stop(): void {
		this.stopped = true;
		for (const controller of this.running) controller.abort();
	}

	async runItem<T>(work: (context: RunContext) => Promise<T>): Promise<T> {
		const controller = new AbortController();
		if (this.stopped) controller.abort();
		this.running.add(controller);
		try {
			const { uploads, submittedTasks, isToolCall } = this;
			return await work({ signal: controller.signal, uploads, submittedTasks, isToolCall });
		} finally {
			this.running.delete(controller);
		}
	}
}

