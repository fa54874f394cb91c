/** WaveSpeed's task status words and what they mean for us. Pure. */
import type { Task } from '../transport/types';

/**
 * The docs list created, processing, completed and failed; the server also ends tasks as cancelled, timeout or
 * deleted. Anything else (including a status added later) is treated as still running, bounded by our own limit.
 */
export const FAILED_STATUSES = ['failed', 'cancelled', 'timeout', 'deleted'] as const;
export const COMPLETED_STATUS = 'completed';

export function isTerminal(status: string | undefined): boolean {
	return status === COMPLETED_STATUS || isFailed(status);
}

export function isFailed(status: string | undefined): boolean {
	return (FAILED_STATUSES as readonly string[]).includes(status ?? '');
}

/** WaveSpeed's business codes in `data.code`, which are not HTTP statuses. */
const FAILURE_CODE_HINTS: Record<number, string> = {
	1200: 'the content was refused by moderation',
	1400: 'a parameter was rejected',
	1401: 'a parameter was rejected',
	1402: 'an input image could not be downloaded by WaveSpeed',
	1403: 'the model failed to run',
	1405: 'the model failed to run',
	5000: 'WaveSpeed had a server error',
	5003: 'WaveSpeed had a server error',
	5004: 'WaveSpeed had a server error',
};

export function describeFailure(task: Task): string {
	const reason = task.error?.trim() || 'no reason given';
	const hint = typeof task.code === 'number' ? FAILURE_CODE_HINTS[task.code] : undefined;
	const codePart = typeof task.code === 'number' ? ` (code ${task.code}${hint ? `: ${hint}` : ''})` : '';
	return `WaveSpeed task ${task.id} ended "${task.status}": ${reason}${codePart}`;
}
