import type { UploadSession } from '../helpers/upload';
import { createUploadSession } from '../helpers/upload';

/** What the items of one execution share. Made by the router, handed to every operation call. */
export interface RunContext {
	/** Aborts when the execution is stopped, or when an item failed and the node is going to fail. */
	signal: AbortSignal;
	uploads: UploadSession;
	/** Task ids by item, kept until the item's output is ready, so a failing run can say what it leaves behind. */
	submittedTasks: Map<number, string>;
}

export function createRunContext(executionSignal: AbortSignal | undefined, failFast: AbortSignal): RunContext {
	return { signal: combineSignals(executionSignal, failFast), uploads: createUploadSession(), submittedTasks: new Map() };
}

/** AbortSignal.any is missing on Node 18, which n8n 1.x still runs on. */
function combineSignals(...signals: Array<AbortSignal | undefined>): AbortSignal {
	const controller = new AbortController();
	for (const signal of signals) {
		if (!signal) continue;
		if (signal.aborted) {
			controller.abort();
			break;
		}
		signal.addEventListener('abort', () => controller.abort(), { once: true });
	}
	return controller.signal;
}
