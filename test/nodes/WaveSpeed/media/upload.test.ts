import type { BinaryImage } from '../../../../nodes/WaveSpeed/media/imageInputs';
import { createUploadSession, uploadImage } from '../../../../nodes/WaveSpeed/media/upload';
import { MAX_PARALLEL_TRANSFERS } from '../../../../nodes/WaveSpeed/transport/concurrency';
import { contextFor } from '../../../support/builders';
import { createExecuteContext } from '../../../support/executeContext';
import { failureOf } from '../../../support/failureOf';
import type { FakeWaveSpeed } from '../../../support/fakeWaveSpeed';
import { makePlaceholderPng } from '../../../support/placeholderPng';
import { useFakeWaveSpeed } from '../../../support/useFakeWaveSpeed';
import { waitFor } from '../../../support/waitFor';

describe('uploads', () => {
	let fake: FakeWaveSpeed;
	useFakeWaveSpeed((started) => (fake = started));

	const ctx = () => createExecuteContext(contextFor(fake, {})).ctx;
	const image = (bytes: Buffer, contentKey: string): BinaryImage => ({
		field: 'data',
		mimeType: 'image/png',
		fileName: 'in.png',
		sizeBytes: bytes.length,
		identify: async () => ({ contentKey, bytes }),
		open: async () => bytes,
	});

	it('uploads the same bytes once per execution', async () => {
		const session = createUploadSession();
		const bytes = makePlaceholderPng({ seed: 'same' });
		const urls = await Promise.all([0, 1, 2].map(async (itemIndex) => await uploadImage(ctx(), session, image(Buffer.from(bytes), 'k'), itemIndex, undefined, Date.now() + 20_000)));
		expect(new Set(urls).size).toBe(1);
		expect(fake.countRequests('put')).toBe(1);
	});

	it('compares the bytes on a key hit: a collision never hands one item another item\'s image', async () => {
		const session = createUploadSession();
		const first = image(makePlaceholderPng({ seed: 'tenant A' }), 'image/png:sha256:same');
		const second = image(makePlaceholderPng({ seed: 'tenant B' }), 'image/png:sha256:same');
		const [urlA, urlB] = [await uploadImage(ctx(), session, first, 0, undefined, Date.now() + 20_000), await uploadImage(ctx(), session, second, 1, undefined, Date.now() + 20_000)];
		expect(urlA).not.toBe(urlB);
		expect(fake.countRequests('put')).toBe(2);
		// The first upload stays the one shared for its bytes.
		expect(await uploadImage(ctx(), session, image(Buffer.from((await first.identify()).bytes!), (await first.identify()).contentKey), 2, undefined, Date.now() + 20_000)).toBe(urlA);
		expect(fake.countRequests('put')).toBe(2);
	});

	it(`keeps at most ${MAX_PARALLEL_TRANSFERS} uploads in flight per execution, however many items start at once`, async () => {
		// Storage holds every PUT: the uploads that got a transfer slot stay in it, the others wait for one.
		fake.faults.push({ route: 'put', kind: 'delay', delayMs: 600_000 });
		const session = createUploadSession();
		const stop = new AbortController();
		const uploads = Array.from({ length: 100 }, async (_, itemIndex) =>
			await uploadImage(ctx(), session, image(makePlaceholderPng({ seed: `item ${itemIndex}` }), `k${itemIndex}`), itemIndex, stop.signal, Date.now() + 600_000).catch(() => 'stopped'),
		);
		await waitFor('every slot to hold a PUT', async () => (fake.countRequests('put') >= MAX_PARALLEL_TRANSFERS ? true : undefined), 20_000);
		expect(session.transferSlots.runningCount).toBe(MAX_PARALLEL_TRANSFERS);
		expect(session.transferSlots.waitingCount).toBe(100 - MAX_PARALLEL_TRANSFERS);
		expect(fake.countRequests('ticket')).toBe(MAX_PARALLEL_TRANSFERS);
		stop.abort();
		expect(new Set(await Promise.all(uploads))).toEqual(new Set(['stopped']));
		expect(fake.countRequests('ticket')).toBe(MAX_PARALLEL_TRANSFERS);
		expect(session.transferSlots.runningCount).toBe(0);
	}, 30_000);

	it('gives up at the deadline when storage does not answer', async () => {
		fake.faults.push({ route: 'put', kind: 'delay', delayMs: 2500 });
		const error = await failureOf(uploadImage(ctx(), createUploadSession(), image(makePlaceholderPng(), 'k'), 0, undefined, Date.now() + 800));
		expect(error.message).toMatch(/^Uploading the image to WaveSpeed storage failed: the transfer did not finish within [\d.]+ s$/);
	});
});
