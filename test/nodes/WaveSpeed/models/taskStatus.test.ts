import { describeFailure, isFailed, isTerminal } from '../../../../nodes/WaveSpeed/models/taskStatus';

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
