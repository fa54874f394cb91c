/** The catalogue as a run sees it: one read per run, a failure shared by one try and not kept for the next. */
import { describeCatalogueFailure, findRunModel, getEditorCatalogue, getModelEndpoint, parseCatalogue } from '../../../../nodes/WaveSpeed/models/catalogue';
import { contextFor } from '../../../support/builders';
import { createExecuteContext } from '../../../support/executeContext';
import type { FakeWaveSpeed } from '../../../support/fakeWaveSpeed';
import { useFakeWaveSpeed } from '../../../support/useFakeWaveSpeed';

const UPSCALER = 'wavespeed-ai/image-upscaler';

describe('the model catalogue', () => {
	let fake: FakeWaveSpeed;
	useFakeWaveSpeed((started) => (fake = started));

	/** One try of a node run: n8n makes a new context for every Retry On Fail try, with the same input items. */
	const tryOf = (items: object[]) => createExecuteContext(contextFor(fake, {}, { items: items as never })).ctx;

	it('is read once per run; a failed read is shared by the items of one try and read again by the next try', async () => {
		const items = [{ json: {} }, { json: {} }];
		// 403 is not retried: each read is one request, so the count is the number of reads.
		fake.catalogue.down = { answer: 403 };
		const firstTry = tryOf(items);
		const [first, second] = [await findRunModel(firstTry, UPSCALER, 5_000), await findRunModel(firstTry, UPSCALER, 5_000)];
		expect(first).toEqual({ modelId: UPSCALER, uncheckedBecause: expect.stringMatching(/^WaveSpeed's model catalogue refused the request \(403\)/) });
		expect(second).toEqual(first);
		expect(fake.countRequests('models')).toBe(1);

		fake.catalogue.down = undefined;
		const retry = await findRunModel(tryOf(items), UPSCALER, 5_000);
		expect(retry).toEqual({ model: expect.objectContaining({ modelId: UPSCALER, basePriceUsd: 0.01 }) });
		expect(fake.countRequests('models')).toBe(2);

		// Once read, the run keeps it: a third try asks nothing.
		await findRunModel(tryOf(items), UPSCALER, 5_000);
		expect(fake.countRequests('models')).toBe(2);
		// Another run (other input items) reads its own.
		await findRunModel(tryOf([{ json: {} }]), UPSCALER, 5_000);
		expect(fake.countRequests('models')).toBe(3);
	});

	it('says when it does not list a model, and when its answer holds no model it can read', async () => {
		fake.catalogue.omit = [UPSCALER];
		expect(await findRunModel(tryOf([{ json: {} }]), UPSCALER, 5_000)).toEqual({ modelId: UPSCALER, uncheckedBecause: `WaveSpeed's model catalogue does not list "${UPSCALER}"` });
		fake.faults.push({ route: 'models', kind: 'reply', status: 200, contentType: 'application/json', body: '{"code":200,"message":"success","data":{"models":"soon"}}' });
		expect(await findRunModel(tryOf([{ json: {} }]), UPSCALER, 5_000)).toEqual({
			modelId: UPSCALER,
			uncheckedBecause: "WaveSpeed's model catalogue answered without any model this node can read",
		});
	});

	// Issue 27: the editor's read had no deadline: a catalogue that never answers kept the model list spinning for minutes.
	it("the editor's read gives up after 20 s with an error that says so, and the next open asks again", async () => {
		fake.catalogue.down = { answer: 'hang' };
		const editor = createExecuteContext(contextFor(fake, {})).ctx;
		// The catalogue never answers; this test's own limit (60 s) is far below what the retries took before.
		await expect(getEditorCatalogue(editor)).rejects.toThrow(/^WaveSpeed's model catalogue did not answer within 20 s \(could not be reached.*no reply in time\)$/);
		fake.catalogue.down = undefined;
		expect((await getEditorCatalogue(editor)).get(UPSCALER)).toMatchObject({ modelId: UPSCALER });
	}, 60_000);

	it('names itself in every failure, distinct from a task error', () => {
		expect(describeCatalogueFailure(new Error('WaveSpeed answered 500 after 6 attempts: Internal server error'))).toBe(
			"WaveSpeed's model catalogue answered 500 after 6 attempts: Internal server error",
		);
		expect(describeCatalogueFailure(new Error('WaveSpeed could not be reached: no reply in time'))).toBe("WaveSpeed's model catalogue could not be reached: no reply in time");
		expect(describeCatalogueFailure(new Error('The execution was cancelled'))).toBe("WaveSpeed's model catalogue could not be read: The execution was cancelled");
	});

	it('ignores the api_path it gives: every run goes to /api/v3/{model_id}', () => {
		const catalogue = parseCatalogue([
			{ model_id: UPSCALER, api_schema: { api_schemas: [{ type: 'model_run', api_path: '/api/v3/other/path', request_schema: { properties: {} } }] } },
		]);
		expect(catalogue.get(UPSCALER)).not.toHaveProperty('endpoint');
		expect(getModelEndpoint(UPSCALER)).toBe(`/api/v3/${UPSCALER}`);
	});
});
