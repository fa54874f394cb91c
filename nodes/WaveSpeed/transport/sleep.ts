import { sleep } from 'n8n-workflow';

/**
 * n8n-workflow 2.x's `sleep(ms, signal)` rejects as soon as the signal aborts; 1.x's `sleep(ms)` ignores the
 * signal. Sleeping in slices of at most a second and checking `aborted` between them makes Stop take effect within
 * about a second on both.
 */
const MAX_SLICE_MS = 1000;
const sleepWithSignal = sleep as (ms: number, signal?: AbortSignal) => Promise<void>;

/** Resolves after `ms`, or returns early (without throwing) once `signal` aborts. */
export async function sleepUnlessAborted(ms: number, signal?: AbortSignal): Promise<void> {
	const endMs = Date.now() + ms;
	for (let remainingMs = ms; remainingMs > 0 && !signal?.aborted; remainingMs = endMs - Date.now()) {
		try {
			await sleepWithSignal(Math.min(remainingMs, MAX_SLICE_MS), signal);
		} catch {
			return; // aborted: the caller checks `signal.aborted` and says what was interrupted
		}
	}
}
