import { useFakeWaveSpeed } from '../../../support/useFakeWaveSpeed';
import type { FakeWaveSpeed } from '../../../support/fakeWaveSpeed';
import { binaryItem, createExecuteContext, runNode } from '../../../support/executeContext';
import { contextFor, editParams, getResultParams, pngItem, pngItems } from '../../../support/builders';

describe('router', () => {
	let fake: FakeWaveSpeed;
	useFakeWaveSpeed((started) => (fake = started));

	it.each([
		['editImage', editParams({ imageSource: 'url', imageUrls: 'https://example.com/a.png' })],
		['getResult', getResultParams('unknown-id')],
	])('dispatches %s', async (operation, params) => {
		const output = await runNode(createExecuteContext(contextFor(fake, params, { continueOnFail: true })));
		expect(output).toHaveLength(1);
		const routes = fake.requests.map((request) => request.route);
		expect(routes).toContain(operation === 'editImage' ? 'submit' : 'result');
	});

	it('keeps input order and pairedItem when later items finish first', async () => {
		const prompts = ['slow [inference:900]', 'fast [inference:10]', 'medium [inference:400]', 'fast [inference:10]'];
		const params = editParams({ prompt: (i: number) => prompts[i], options: { pollInterval: 0.5, maxConcurrency: 4 } });
		const output = await runNode(createExecuteContext(contextFor(fake, params, { items: pngItems(4) })));
		const taskPrompts = output.map((item) => String(fake.tasks.get(item.json.id as string)?.request.prompt));
		expect(taskPrompts).toEqual(prompts);
		expect(output.map((item) => item.pairedItem)).toEqual([0, 1, 2, 3].map((item) => ({ item })));
	});

	it('with Continue On Fail, turns a bad item into {error, id?} and processes every other item', async () => {
		const items = [pngItem('a'), binaryItem({ data: { bytes: Buffer.from('%PDF-1.7'), mimeType: 'application/pdf' } }), pngItem('c'), pngItem('d')];
		const prompts = ['ok', 'ok', 'refuse [fail]', 'ok'];
		const params = editParams({ prompt: (i: number) => prompts[i] });
		const output = await runNode(createExecuteContext(contextFor(fake, params, { items, continueOnFail: true })));

		expect(output).toHaveLength(4);
		expect(output.map((item) => item.pairedItem)).toEqual([0, 1, 2, 3].map((item) => ({ item })));
		expect(output[0].json.status).toBe('completed');
		expect(output[1].json).toEqual({ error: expect.stringContaining('Binary field "data" is not a PNG, JPEG or WEBP image') });
		expect(output[1].json.error).toContain('[item 1, parameter "Input Binary Fields"]');
		const failedTask = [...fake.tasks.values()].find((task) => task.request.prompt === 'refuse [fail]');
		expect(output[2].json).toEqual({ error: expect.stringContaining('ended "failed"'), id: failedTask?.id });
		expect(output[3].json.status).toBe('completed');
		// The non-image item never reached WaveSpeed.
		expect(fake.tasks.size).toBe(3);
	});

	it('without Continue On Fail, fails the node and lists the tasks other items already submitted', async () => {
		const prompts = ['ok [inference:300]', 'refuse [fail]', 'ok [inference:300]'];
		const params = editParams({ prompt: (i: number) => prompts[i], options: { pollInterval: 0.5, maxConcurrency: 3 } });
		const error = await runNode(createExecuteContext(contextFor(fake, params, { items: pngItems(3) }))).then(
			() => undefined,
			(e: Error & { description?: string }) => e,
		);
		expect(error?.message).toContain('ended "failed"');
		const others = [...fake.tasks.values()].filter((task) => !String(task.request.prompt).includes('[fail]'));
		expect(others).toHaveLength(2);
		for (const task of others) expect(error?.description).toContain(task.id);
		expect(error?.description).toContain('use "Get Result" to collect them');
	});

	it('without Continue On Fail, one bad item in the batch fails the node before any request', async () => {
		const prompts = ['ok', '   ', 'ok', 'ok', 'ok', 'ok'];
		const params = editParams({ prompt: (i: number) => prompts[i], options: { pollInterval: 0.5, maxConcurrency: 1 } });
		const error = await runNode(createExecuteContext(contextFor(fake, params, { items: pngItems(6) }))).then(
			() => undefined,
			(e: Error) => e,
		);
		expect(error?.message).toBe('The prompt is empty [item 1, parameter "Prompt"]');
		expect(fake.tasks.size).toBe(0);
		expect(fake.requests).toHaveLength(0);
	});

	// Regression for 'type': Agent 3 runs a tool as an ordinary node typed waveSpeedTool, whose isToolExecution() is false.
	it.each(['context', 'type'] as const)('as an AI agent\'s tool (told by its %s), returns compact JSON and downloads nothing', async (toolCall) => {
		const params = editParams({ imageSource: 'url', imageUrls: 'https://example.com/shoe.png' });
		const [item] = await runNode(createExecuteContext(contextFor(fake, params, { toolCall })));
		const [task] = fake.tasks.values();
		expect(item.json).toEqual({ id: task.id, status: 'completed', outputs: [`${fake.url}/cdn/${task.id}/output-0.png`], estimatedCostUsd: 0.06 });
		expect(item.binary).toBeUndefined();
		// This task's outputs only: an earlier test's failed node may still have a download reaching the server.
		expect(fake.requests.filter((request) => request.route === 'download' && request.path.includes(task.id))).toHaveLength(0);
	});
});
