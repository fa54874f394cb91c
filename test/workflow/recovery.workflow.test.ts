/**
 * Default recovery of undelivered results, through n8n-core's real executor and its deduplication store: a run cut
 * off after paying (the node failed, the execution was stopped) hands its paid tasks to the next run of the same
 * input, `recovered: true`; a result that reached the workflow is never taken again. A killed worker or n8n process
 * is in the end-to-end tests (test/e2e/recovery*.e2e.test.ts).
 */
import type { INode } from 'n8n-workflow';

import { useStoreSuite } from '../support/useStoreSuite';
import { waitFor } from '../support/waitFor';
import type { WorkflowResult } from '../support/workflowHarness';
import { WAVESPEED_TYPE, chain, node, withItems } from '../support/workflowHarness';

const start = (items: object[]) => node('Start', 'test.start', { items: JSON.stringify(items) });
const generate = (options: object = {}) =>
	node('Generate', WAVESPEED_TYPE, { operation: 'generateImage', prompt: '={{ $json.p }}', options: { pollInterval: 0.5, ...options } });
const edit = () =>
	node('Edit', WAVESPEED_TYPE, { operation: 'editImage', imageSource: 'binary', binaryProperties: 'data', prompt: 'On marble', options: { pollInterval: 0.5 } } satisfies INode['parameters']);
const makeBinary = () => node('Make Binary', 'test.makeBinary', { seed: '={{ $json.photo }}' });


describe('Recover Undelivered Results, in n8n-core\'s executor', () => {
	const suite = useStoreSuite();

	it('a run that failed after paying hands its tasks to the next run of the same input: recovered, nothing paid again', async () => {
		const workflow = chain(start([{ p: 'a mug' }, { p: 'a cup' }, { p: 'a vase' }]), generate());
		// The first download fails: the node fails, and n8n discards the output of the items that had finished.
		suite.fake.faults.push({ route: 'download', kind: 'status', status: 404, times: 1 });
		const failed = await suite.harness.run(workflow);
		expect(failed.run.status).toBe('error');
		const paid = [...suite.fake.tasks.keys()];
		expect(paid).toHaveLength(3);

		const again = await suite.harness.run(workflow);
		const items = again.output('Generate');
		// Before: 6 tasks, the first 3 results lost.
		expect(suite.fake.tasks.size).toBe(3);
		expect(items.map((item) => item.json.id).sort()).toEqual([...paid].sort());
		for (const item of items) {
			expect(item.json).toMatchObject({ status: 'completed', recovered: true });
			expect(item.binary?.data?.mimeType).toBe('image/png');
		}
		// The prompt each item sent is the prompt of the task it got.
		expect(items.map((item) => suite.fake.tasks.get(String(item.json.id))?.request.prompt)).toEqual(['a mug', 'a cup', 'a vase']);
	});

	it('names the execution that paid, and a third run pays anew: a recovered result, once delivered, is not taken again', async () => {
		const workflow = chain(start([{ p: 'a mug' }]), generate());
		suite.fake.faults.push({ route: 'download', kind: 'status', status: 404, times: 1 });
		const failed = await suite.harness.run(workflow);
		const again = await suite.harness.run(workflow);
		const [recovered] = again.output('Generate');
		expect(recovered.json.recoveredFromExecution).toBe(failed.executionId);
		const third = await suite.harness.run(workflow);
		expect(third.output('Generate')[0].json.recovered).toBeUndefined();
		expect(suite.fake.tasks.size).toBe(2);
	});

	it('a stopped execution (the Stop button) leaves its paid tasks to the next run', async () => {
		const workflow = chain(start([{ p: 'a mug [inference:3000]' }, { p: 'a cup [inference:3000]' }]), generate());
		const running = await suite.harness.start(workflow);
		await waitFor('both submits', async () => (suite.fake.countRequests('generate') === 2 && suite.fake.countRequests('result') > 0 ? true : undefined), 15_000);
		running.stop();
		await running.done.catch(() => undefined);
		const again = await suite.harness.run(workflow);
		expect(again.output('Generate').map((item) => item.json.recovered)).toEqual([true, true]);
		expect(suite.fake.tasks.size).toBe(2);
	});

	it('a deliberate second run after a successful one pays for new tasks: no silent reuse', async () => {
		const workflow = chain(start([{ p: 'a mug' }, { p: 'a cup' }]), generate());
		const first = await suite.harness.run(workflow);
		const second = await suite.harness.run(workflow);
		expect(suite.fake.tasks.size).toBe(4);
		expect(second.output('Generate').map((item) => item.json.recovered)).toEqual([undefined, undefined]);
		expect(second.output('Generate').map((item) => item.json.id)).not.toEqual(first.output('Generate').map((item) => item.json.id));
	});

	it('identical items of one batch are two tasks, and a re-run after a failure gets each of them once', async () => {
		const workflow = chain(start([{ p: 'a mug' }, { p: 'a mug' }]), generate());
		suite.fake.faults.push({ route: 'download', kind: 'status', status: 404, times: 1 });
		await suite.harness.run(workflow);
		expect(suite.fake.tasks.size).toBe(2);
		const ids = again(await suite.harness.run(workflow));
		expect(new Set(ids).size).toBe(2);
		expect(ids.sort()).toEqual([...suite.fake.tasks.keys()].sort());

		function again(result: WorkflowResult): string[] {
			return result.output('Generate').map((item) => {
				expect(item.json.recovered).toBe(true);
				return String(item.json.id);
			});
		}
	});

	it('binary inputs count by content: a re-run recovers the edit of the same photo; another photo is a new task', async () => {
		const workflow = chain(start([{ photo: 'photo-1' }]), makeBinary(), edit());
		suite.fake.faults.push({ route: 'download', kind: 'status', status: 404, times: 1 });
		await suite.harness.run(workflow);
		const again = await suite.harness.run(workflow);
		expect(again.output('Edit')[0].json.recovered).toBe(true);
		expect(suite.fake.tasks.size).toBe(1);
		// Same node, same prompt, another product photo, after a failed run of the first: never the first photo's edit.
		suite.fake.faults.push({ route: 'download', kind: 'status', status: 404, times: 1 });
		await suite.harness.run(workflow);
		const other = await suite.harness.run(withItems(workflow, [{ photo: 'photo-2' }]));
		expect(other.output('Edit')[0].json.recovered).toBeUndefined();
		expect(suite.fake.tasks.size).toBe(3);
	});

	it('Recover Undelivered Results 0 turns it off: the re-run pays again', async () => {
		const workflow = chain(start([{ p: 'a mug' }]), generate({ recoverWithinHours: 0 }));
		suite.fake.faults.push({ route: 'download', kind: 'status', status: 404, times: 1 });
		await suite.harness.run(workflow);
		const again = await suite.harness.run(workflow);
		expect(again.output('Generate')[0].json.recovered).toBeUndefined();
		expect(suite.fake.tasks.size).toBe(2);
	});
});
