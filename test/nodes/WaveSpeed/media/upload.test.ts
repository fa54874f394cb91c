import type { BinaryImage } from '../../../../nodes/WaveSpeed/media/imageInputs';
import { createUploadSession, uploadImage } from '../../../../nodes/WaveSpeed/media/upload';
import { contextFor } from '../../../support/builders';
import { createExecuteContext } from '../../../support/executeContext';
import { failureOf } from '../../../support/failureOf';
import type { FakeWaveSpeed } from '../../../support/fakeWaveSpeed';
import { makePlaceholderPng } from '../../../support/placeholderPng';
import { useFakeWaveSpeed } from '../../../support/useFakeWaveSpeed';

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

	it('gives up at the deadline when storage does not answer', async () => {
		fake.faults.push({ route: 'put', kind: 'delay', delayMs: 2500 });
		const error = await failureOf(uploadImage(ctx(), createUploadSession(), image(makePlaceholderPng(), 'k'), 0, undefined, Date.now() + 800));
		expect(error.message).toMatch(/^Uploading the image to WaveSpeed storage failed: the transfer did not finish within [\d.]+ s$/);
	});
});
