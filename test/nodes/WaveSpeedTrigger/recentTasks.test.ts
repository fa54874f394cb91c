import { DUPLICATE_WINDOW_MS, RecentTasks } from '../../../nodes/WaveSpeedTrigger/recentTasks';

describe('RecentTasks: a task is reported once per trigger within the window', () => {
	it('claims a task the first time and refuses its repeats within the window', () => {
		const tasks = new RecentTasks();
		expect(tasks.claim('wf1:node1', 'task-a', 0)).toBe(true);
		expect(tasks.claim('wf1:node1', 'task-a', 1)).toBe(false);
		expect(tasks.claim('wf1:node1', 'task-a', DUPLICATE_WINDOW_MS - 1)).toBe(false);
		expect(tasks.claim('wf1:node1', 'task-b', 2)).toBe(true);
	});

	it('claims it again once the window has passed, and forgets expired tasks', () => {
		const tasks = new RecentTasks(1_000);
		expect(tasks.claim('s', 'a', 0)).toBe(true);
		expect(tasks.claim('s', 'b', 500)).toBe(true);
		expect(tasks.claim('s', 'a', 1_000)).toBe(true);
		// 'a' was claimed anew at 1 000 and 'b' (500) expired at 1 500.
		expect(tasks.claim('s', 'c', 1_500)).toBe(true);
		expect(tasks.size).toBe(2);
	});

	it('keeps workflows (scopes) apart, and forgets a scope when its workflow is deactivated', () => {
		const tasks = new RecentTasks();
		expect(tasks.claim('wf1:n', 'a', 0)).toBe(true);
		expect(tasks.claim('wf2:n', 'a', 0)).toBe(true);
		tasks.forgetScope('wf1:n');
		expect(tasks.claim('wf1:n', 'a', 1)).toBe(true);
		expect(tasks.claim('wf2:n', 'a', 1)).toBe(false);
	});

	it('stays bounded: past its limit, the oldest tasks are forgotten first', () => {
		const tasks = new RecentTasks(DUPLICATE_WINDOW_MS, 3);
		for (const id of ['a', 'b', 'c', 'd']) expect(tasks.claim('s', id, 0)).toBe(true);
		expect(tasks.size).toBe(3);
		expect(tasks.claim('s', 'd', 0)).toBe(false);
		expect(tasks.claim('s', 'a', 0)).toBe(true);
	});
});
