import { MAX_GROWN_POLL_INTERVAL_MS, getPollIntervalMs } from '../../../../nodes/WaveSpeed/helpers/polling';
import { describeFailure, isFailed, isTerminal } from '../../../../nodes/WaveSpeed/helpers/taskStatus';

describe('poll interval', () => {
	it('starts at the configured interval and grows for long tasks, up to a cap', () => {
		expect(getPollIntervalMs(2000, 0)).toBe(2000);
		expect(getPollIntervalMs(2000, 30_000)).toBe(3000);
		expect(getPollIntervalMs(2000, 120_000)).toBe(6000);
		expect(getPollIntervalMs(2000, 3_600_000)).toBe(MAX_GROWN_POLL_INTERVAL_MS);
		// An interval set above the cap is kept as it is.
		expect(getPollIntervalMs(30_000, 600_000)).toBe(30_000);
	});
});

describe('task status', () => {
	it('knows the terminal statuses, including the undocumented ones', () => {
		for (const status of ['completed', 'failed', 'cancelled', 'timeout', 'deleted']) expect(isTerminal(status)).toBe(true);
		for (const status of ['created', 'processing', 'queued', undefined]) expect(isTerminal(status)).toBe(false);
		expect(isFailed('completed')).toBe(false);
	});

	it('describes a failure with the id, the reason and the business code', () => {
		expect(describeFailure({ id: 't1', status: 'failed', error: 'refused', code: 1200 })).toBe(
			'WaveSpeed task t1 ended "failed": refused (code 1200: the content was refused by moderation)',
		);
		expect(describeFailure({ id: 't2', status: 'deleted' })).toBe('WaveSpeed task t2 ended "deleted": no reason given');
	});
});
