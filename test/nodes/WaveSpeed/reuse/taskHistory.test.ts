import type { FakeTask, FakeWaveSpeed } from '../../../support/fakeWaveSpeed';
import { createExecuteContext } from '../../../support/executeContext';
import { useFakeWaveSpeed } from '../../../support/useFakeWaveSpeed';
import { HISTORY_PAGE_SIZE, MAX_HISTORY_PAGES, listRecentTasks } from '../../../../nodes/WaveSpeed/reuse/taskHistory';

const HOUR_MS = 3_600_000;

/** A finished task of the account, created `ageMs` ago (the history only needs id and time). */
function addTask(fake: FakeWaveSpeed, id: string, ageMs: number): void {
	const createdAtMs = Date.now() - ageMs;
	const task: FakeTask = { id, request: { prompt: id }, createdAtMs, completeAtMs: createdAtMs + 1, outcome: 'completed', outputCount: 1 };
	fake.tasks.set(id, task);
}

describe('listRecentTasks (WaveSpeed\'s task history)', () => {
	let fake: FakeWaveSpeed;
	useFakeWaveSpeed((started) => (fake = started));
	const context = () => createExecuteContext({ params: {}, credentials: { apiKey: fake.options.apiKey, baseUrl: fake.url } }).ctx;
	const list = async (windowMs: number) => await listRecentTasks(context(), Date.now() - windowMs, { itemIndex: 0, deadlineMs: Date.now() + 10_000 });

	it('reads every page of the window, newest first, even when the server hands out fewer than it was asked for', async () => {
		fake.history.maxPageSize = 2;
		['t1', 't2', 't3', 't4', 't5'].forEach((id, index) => addTask(fake, id, (5 - index) * 60_000));
		const recent = await list(HOUR_MS);
		expect(recent).toEqual({ complete: true, entries: ['t5', 't4', 't3', 't2', 't1'].map((id) => expect.objectContaining({ id, status: 'completed' })) });
		// A page shorter than page_size is not taken as the last one (t3, t2, t1 come after it).
		expect(fake.countRequests('history')).toBe(3);
	});

	it('keeps to the window when the server ignores created_after, and stops at the first page that reaches past it', async () => {
		fake.history = { maxPageSize: 2, ignoresCreatedAfter: true };
		addTask(fake, 'new', 60_000);
		addTask(fake, 'older', 2 * 60_000);
		for (let n = 0; n < 20; n++) addTask(fake, `outside-${n}`, 25 * HOUR_MS + n);
		const recent = await list(24 * HOUR_MS);
		expect(recent.entries.map((entry) => entry.id)).toEqual(['new', 'older']);
		expect(recent.complete).toBe(true);
		expect(fake.countRequests('history')).toBe(2);
	});

	it(`says the listing is incomplete past ${MAX_HISTORY_PAGES} pages instead of claiming it saw everything`, async () => {
		for (let n = 0; n < MAX_HISTORY_PAGES * HISTORY_PAGE_SIZE + 1; n++) addTask(fake, `t${n}`, n);
		const recent = await list(HOUR_MS);
		expect(recent.complete).toBe(false);
		expect(recent.entries).toHaveLength(MAX_HISTORY_PAGES * HISTORY_PAGE_SIZE);
		expect(fake.countRequests('history')).toBe(MAX_HISTORY_PAGES);
	});

	it('sends the window start as an ISO time (the local server refuses anything else), with the API key', async () => {
		await list(HOUR_MS);
		const [request] = fake.requests.filter((each) => each.route === 'history');
		expect(request.headers.authorization).toBe(`Bearer ${fake.options.apiKey}`);
	});

	it('reads each task\'s model and, where WaveSpeed returns them, its inputs (`inputs` or `input`)', async () => {
		addTask(fake, 't1', 60_000);
		const [entry] = (await list(HOUR_MS)).entries;
		expect(entry).toMatchObject({ id: 't1', model: 'openai/gpt-image-2/text-to-image', inputs: { prompt: 't1' } });
	});

	it.each([
		['the list under another field, total saying there is a task', { predictions: [{ id: 't1' }], page: 1, total: 1 }],
		['no list at all', { page: 1 }],
		['a page of tasks without ids', { items: [{ status: 'completed' }], page: 1 }],
		['an empty first page while total says 3', { items: [], page: 1, total: 3 }],
	])('a reply it cannot read (%s) is "cannot check", never an empty history', async (_case, data) => {
		fake.faults.push({ route: 'history', kind: 'reply', status: 200, contentType: 'application/json', body: JSON.stringify({ code: 200, message: 'success', data }) });
		await expect(list(HOUR_MS)).rejects.toThrow("WaveSpeed's task history could not be read");
	});
});
