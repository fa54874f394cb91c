import { useFakeWaveSpeed } from '../../../support/useFakeWaveSpeed';
import type { FakeWaveSpeed } from '../../../support/fakeWaveSpeed';
import { binaryItem, createExecuteContext, runNode } from '../../../support/executeContext';
import { contextFor, editParams, getResultParams, pngItem } from '../../../support/builders';
import { TINY_JPEG, makePlaceholderPng, readPngSize } from '../../../support/placeholderPng';

describe('Edit Image', () => {
	let fake: FakeWaveSpeed;
	useFakeWaveSpeed((started) => (fake = started));

	const submittedBodies = () =>
		[...fake.tasks.values()].map((task) => task.request as { images: string[]; [key: string]: unknown });

	it('edits a binary image: upload by ticket, submit, poll, and return the result as binary and JSON', async () => {
		const context = createExecuteContext(contextFor(fake, editParams(), { items: [pngItem('photo')] }));
		const [item] = await runNode(context);

		expect(item.json).toMatchObject({ status: 'completed', model: 'openai/gpt-image-2/edit', error: '' });
		const taskId = item.json.id as string;
		expect(item.json.outputs).toEqual([`${fake.url}/cdn/${taskId}/output-0.png`]);
		expect(item.binary?.data).toMatchObject({ mimeType: 'image/png', fileName: `${taskId}.png`, fileExtension: 'png' });
		const png = Buffer.from(item.binary!.data.data, 'base64');
		expect(readPngSize(png)).toEqual({ width: 64, height: 64 });
		expect(item.pairedItem).toEqual({ item: 0 });

		expect(fake.countRequests('ticket')).toBe(1);
		expect(fake.countRequests('put')).toBe(1);
		expect(fake.countRequests('legacyUpload')).toBe(0);
		const [body] = submittedBodies();
		expect(body.images).toHaveLength(1);
		expect(body.images[0]).toMatch(new RegExp(`^${fake.url}/media/`));
		expect(body).toEqual({ images: body.images, prompt: 'Put the product on a marble table', resolution: '1k', quality: 'medium' });
	});

	it('sends URL inputs as given, from a comma/newline list or an array', async () => {
		const urls = 'https://example.com/a.png,\nhttps://example.com/b.jpg';
		await runNode(createExecuteContext(contextFor(fake, editParams({ imageSource: 'url', imageUrls: urls }))));
		await runNode(
			createExecuteContext(
				contextFor(fake, editParams({ imageSource: 'url', imageUrls: ['https://example.com/c.webp'] })),
			),
		);
		expect(submittedBodies().map((body) => body.images)).toEqual([
			['https://example.com/a.png', 'https://example.com/b.jpg'],
			['https://example.com/c.webp'],
		]);
		expect(fake.countRequests('ticket')).toBe(0);
	});

	it('puts binary images first, then URLs, and uploads several binary fields', async () => {
		const item = binaryItem({
			data: { bytes: makePlaceholderPng({ seed: 'one' }) },
			logo: { bytes: TINY_JPEG, mimeType: 'application/octet-stream', fileName: 'logo.bin' },
		});
		const params = editParams({ imageSource: 'both', binaryProperties: 'data, logo', imageUrls: 'https://example.com/x.png', aspectRatio: '16:9', resolution: '2k', quality: 'high' });
		await runNode(createExecuteContext(contextFor(fake, params, { items: [item] })));

		const [body] = submittedBodies();
		expect(body.images).toHaveLength(3);
		expect(body.images[0]).toMatch(/\/media\/.+\/one\.png|\/media\/.+\/data\.png/);
		expect(body.images[1]).toContain('/media/');
		expect(body.images[2]).toBe('https://example.com/x.png');
		expect(body).toMatchObject({ aspect_ratio: '16:9', resolution: '2k', quality: 'high' });
		// The content type comes from the bytes, not the declared mime type.
		const tickets = fake.requests.filter((request) => request.route === 'put').map((request) => request.headers['content-type']);
		expect(tickets.sort()).toEqual(['image/jpeg', 'image/png']);
	});

	it('returns the submitted task at once when not waiting, and Get Result collects it later', async () => {
		const submitted = await runNode(
			createExecuteContext(contextFor(fake, editParams({ waitForCompletion: false }), { items: [pngItem()] })),
		);
		expect(submitted[0].json).toMatchObject({ status: 'created' });
		expect(submitted[0].binary).toBeUndefined();
		expect(fake.countRequests('result')).toBe(0);

		const taskId = submitted[0].json.id as string;
		const [result] = await runNode(createExecuteContext(contextFor(fake, getResultParams(taskId))));
		expect(result.json).toMatchObject({ id: taskId, status: 'completed' });
		expect(result.binary?.data.fileName).toBe(`${taskId}.png`);
		expect(fake.tasks.size).toBe(1);
	});

	it('fails the item with WaveSpeed\'s reason and the task id when the task fails', async () => {
		const context = createExecuteContext(contextFor(fake, editParams({ prompt: 'make it [fail:1200]' }), { items: [pngItem()] }));
		const error = await runNode(context).then(() => undefined, (e: Error) => e);
		const [task] = fake.tasks.values();
		expect(error?.message).toContain(`WaveSpeed task ${task.id} ended "failed"`);
		expect(error?.message).toContain('Content policy violation');
		expect(error?.message).toContain('code 1200');
	});

	it('stops waiting at the time limit, names the task id and says how to resume', async () => {
		const params = editParams({ prompt: 'slow [never]', options: { pollInterval: 0.5, timeout: 1.2 } });
		const error = await runNode(createExecuteContext(contextFor(fake, params, { items: [pngItem()] }))).then(
			() => undefined,
			(e: Error & { description?: string }) => e,
		);
		const [task] = fake.tasks.values();
		expect(error?.message).toContain(`WaveSpeed task ${task.id} did not finish within 1 s`);
		expect(error?.description).toContain(`"Get Result" operation with task ID ${task.id}`);
		// 0.5 s interval within 1.2 s: at most three polls, not a busy loop. Timeout counts from the item's start, upload
		// included, so a loaded machine leaves room for fewer (one, in a run here): at least one.
		expect(fake.countRequests('result')).toBeGreaterThanOrEqual(1);
		expect(fake.countRequests('result')).toBeLessThanOrEqual(3);
	});

	it('accepts a base URL with a trailing slash', async () => {
		const context = createExecuteContext({
			params: editParams({ imageSource: 'url', imageUrls: 'https://example.com/a.png' }),
			credentials: { apiKey: fake.options.apiKey, baseUrl: `${fake.url}/` },
		});
		const [item] = await runNode(context);
		expect(item.json.status).toBe('completed');
		expect(fake.requests.every((request) => !request.path.startsWith('//'))).toBe(true);
	});

	it('never sends the API key to presigned storage or the output CDN', async () => {
		const context = createExecuteContext(contextFor(fake, editParams(), { items: [pngItem()] }));
		await runNode(context);
		const byRoute = (route: string) => fake.requests.filter((request) => request.route === route);
		expect(byRoute('put')).toHaveLength(1);
		expect(byRoute('download')).toHaveLength(1);
		for (const request of [...byRoute('put'), ...byRoute('download')]) {
			expect(request.headers.authorization).toBeUndefined();
			expect(JSON.stringify(request.headers)).not.toContain(fake.options.apiKey);
		}
		for (const request of [...byRoute('ticket'), ...byRoute('submit'), ...byRoute('result')]) {
			expect(request.headers.authorization).toBe(`Bearer ${fake.options.apiKey}`);
		}
		// The submit carries the key itself (plain helper, so a Stop cannot cut it off); nothing else without n8n's auth does.
		for (const call of context.httpCalls) {
			const carriesKey = call.authenticated || JSON.stringify(call.options.headers ?? {}).includes(fake.options.apiKey);
			expect([call.options.url, carriesKey]).toEqual([call.options.url, call.options.url.startsWith(`${fake.url}/api/v3/`)]);
		}
	});

	it('falls back to the legacy multipart upload when the ticket route answers 404', async () => {
		fake.options.ticketRouteMissing = true;
		const items = [pngItem('a'), pngItem('b')];
		const params = editParams({ options: { pollInterval: 0.5, maxConcurrency: 1 } });
		const output = await runNode(createExecuteContext(contextFor(fake, params, { items })));
		expect(output.map((item) => item.json.status)).toEqual(['completed', 'completed']);
		// The 404 is learnt once per execution.
		expect(fake.countRequests('ticket')).toBe(1);
		expect(fake.countRequests('legacyUpload')).toBe(2);
	});

	it('puts further outputs in data_1, data_2…', async () => {
		const params = editParams({ prompt: 'three variants [outputs:3]', options: { pollInterval: 0.5, outputBinaryProperty: 'edited' } });
		const [item] = await runNode(createExecuteContext(contextFor(fake, params, { items: [pngItem()] })));
		expect(Object.keys(item.binary ?? {})).toEqual(['edited', 'edited_1', 'edited_2']);
		expect(item.binary?.edited_2.fileName).toBe(`${item.json.id}_2.png`);
	});

	it('returns URLs only when Download Output is off', async () => {
		const params = editParams({ options: { pollInterval: 0.5, downloadOutput: false } });
		const [item] = await runNode(createExecuteContext(contextFor(fake, params, { items: [pngItem()] })));
		expect(item.binary).toBeUndefined();
		expect(item.json.outputs).toHaveLength(1);
		expect(fake.countRequests('download')).toBe(0);
	});

	it('in sync mode, gets the result from the submit, and polls when the sync wait runs out', async () => {
		const params = editParams({ options: { pollInterval: 0.5, syncMode: true } });
		const [fast] = await runNode(createExecuteContext(contextFor(fake, params, { items: [pngItem()] })));
		expect(fast.json.status).toBe('completed');
		expect(fake.countRequests('result')).toBe(0);

		fake.reset();
		fake.options.syncTimeoutMs = 100;
		const slow = editParams({ prompt: 'slow [inference:600]', options: { pollInterval: 0.5, syncMode: true } });
		const [item] = await runNode(createExecuteContext(contextFor(fake, slow, { items: [pngItem()] })));
		expect(item.json.status).toBe('completed');
		expect(fake.countRequests('result')).toBeGreaterThanOrEqual(1);
		expect(fake.tasks.size).toBe(1);
		expect((submittedBodies()[0] as { enable_sync_mode?: boolean }).enable_sync_mode).toBe(true);
	});

	// Issue 19 defect 2: the held reply was cut at the 1 s Timeout: the task was billed and the item said "reply was lost".
	it('in sync mode, awaits the held reply in full even past the Timeout, and returns the task it billed', async () => {
		const params = editParams({ prompt: 'slow [inference:1500]', options: { pollInterval: 0.5, timeout: 1, syncMode: true } });
		const [item] = await runNode(createExecuteContext(contextFor(fake, params, { items: [pngItem()] })));
		expect(item.json.status).toBe('completed');
		expect(item.binary?.data.mimeType).toBe('image/png');
		expect(fake.countRequests('submit')).toBe(1);
		expect(fake.countRequests('result')).toBe(0);
	});

	// Issue 19 defect 2: at the default Timeout the held reply was given at most the Timeout left, 30 s short of 630 s.
	it('in sync mode at the default Timeout, gives the held reply the 10 minutes and the margin it promises', async () => {
		const params = editParams({ options: { pollInterval: 0.5, syncMode: true } });
		const context = createExecuteContext(contextFor(fake, params, { items: [pngItem()] }));
		await runNode(context);
		const submits = context.httpCalls.filter((call) => String(call.options.url).endsWith('/api/v3/openai/gpt-image-2/edit'));
		expect(submits.map((call) => call.options.timeout)).toEqual([630_000]);
	});

	// Issue 19 defect 4: on Retry On Fail, the read that picks up the earlier try's task retried a 429 for 12 reads.
	it("bounds the read that picks up an earlier try's task by the item's Timeout", async () => {
		const params = editParams({ prompt: 'slow [never]', options: { pollInterval: 0.5, timeout: 1 } });
		const context = createExecuteContext(contextFor(fake, params, { items: [pngItem()] }));
		await expect(runNode(context)).rejects.toThrow(/did not finish within 1 s/);
		const readsBefore = fake.countRequests('result');
		fake.faults.push({ route: 'result', kind: 'status', status: 429, retryAfterSeconds: 1 });
		await expect(runNode(context)).rejects.toThrow(/429/);
		expect(fake.countRequests('submit')).toBe(1);
		expect(fake.countRequests('result') - readsBefore).toBe(1);
	});

	// Regression: retried polls (503 with Retry-After 4 s) ran 21 s past a 2 s limit, then failed without the resume hint.
	it('keeps to the time limit while polls are being retried', async () => {
		fake.faults.push({ route: 'result', kind: 'status', status: 503, retryAfterSeconds: 4 });
		const params = editParams({ prompt: 'slow [never]', options: { pollInterval: 0.5, timeout: 2 } });
		const error = await runNode(createExecuteContext(contextFor(fake, params, { items: [pngItem()] }))).then(
			() => undefined,
			(e: Error & { description?: string }) => e,
		);
		// One poll: its retry, 4 s later, would pass the deadline, so the item waits out the Timeout instead.
		expect(fake.countRequests('result')).toBe(1);
		expect(error?.message).toMatch(/did not finish within 2 s/);
		expect(error?.description).toContain('"Get Result" operation');
	});

	// Regression: a sync reply that already held base64 images was reduced to {id, status} when not waiting.
	it('keeps the images of a finished sync reply even with Wait for Completion off', async () => {
		const params = editParams({ waitForCompletion: false, options: { pollInterval: 0.5, syncMode: true, base64Output: true } });
		const [item] = await runNode(createExecuteContext(contextFor(fake, params, { items: [pngItem()] })));
		expect(item.json.status).toBe('completed');
		expect(item.binary?.data.mimeType).toBe('image/png');
		expect(fake.countRequests('result')).toBe(0);
	});
});
