import { useFakeWaveSpeed } from '../../../support/useFakeWaveSpeed';
import type { FakeWaveSpeed } from '../../../support/fakeWaveSpeed';
import { createExecuteContext, runNode } from '../../../support/executeContext';
import { contextFor, editParams, getResultParams } from '../../../support/builders';

describe('waiting for a task near its Timeout', () => {
	let fake: FakeWaveSpeed;
	useFakeWaveSpeed((started) => (fake = started));

	// Review of issue 29: a long interval (or a wide batch's poll budget) put the next poll past the deadline, so a task
	// that ended in between timed out, paid for and not delivered.
	it('looks once more just before the deadline when the next poll would come after it', async () => {
		const params = editParams({ prompt: '[inference:1800]', imageSource: 'url', imageUrls: 'https://example.com/a.png', waitForCompletion: false });
		const [submitted] = await runNode(createExecuteContext(contextFor(fake, params)));
		fake.requests.length = 0;
		// Polls at 1 s (running), then the schedule's next at about 3 s: past the 3 s Timeout.
		const wait = getResultParams(submitted.json.id, { options: { pollInterval: 2, timeout: 3 } });
		const [item] = await runNode(createExecuteContext(contextFor(fake, wait)));
		expect(item.json).toMatchObject({ id: submitted.json.id, status: 'completed' });
		expect(fake.countRequests('result')).toBe(3); // the first read, the poll at 1 s, the last look at 2 s
	});
});
