import { downloadFile, putFile } from '../../../../nodes/WaveSpeed/transport/files';
import { createExecuteContext } from '../../../support/executeContext';
import { failureOf } from '../../../support/failureOf';
import { contextFor } from '../../../support/builders';
import type { FakeWaveSpeed } from '../../../support/fakeWaveSpeed';
import { makePlaceholderPng } from '../../../support/placeholderPng';
import { useFakeWaveSpeed } from '../../../support/useFakeWaveSpeed';

describe('transport: file transfers are bounded', () => {
	let fake: FakeWaveSpeed;
	useFakeWaveSpeed((started) => (fake = started));

	const ctx = () => createExecuteContext(contextFor(fake, {})).ctx;
	const readAll = async (body: Buffer | AsyncIterable<unknown>) => {
		if (Buffer.isBuffer(body)) return body;
		const chunks: Buffer[] = [];
		for await (const chunk of body) chunks.push(chunk as Buffer);
		return Buffer.concat(chunks);
	};

	it('hands over the whole body, its first bytes read ahead and put back', async () => {
		const png = makePlaceholderPng({ seed: 'whole', minBytes: 300_000 });
		fake.faults.push({ route: 'download', kind: 'reply', contentType: 'image/png', body: png, contentLength: 'none' });
		const { head, bytes } = await downloadFile(ctx(), { url: `${fake.url}/cdn/x/output-0.png`, itemIndex: 0 }, async (file) => ({
			head: file.head,
			bytes: await readAll(file.body),
		}));
		expect(bytes.equals(png)).toBe(true);
		expect(png.subarray(0, head.length).equals(head)).toBe(true);
	});

	it('cuts off a body that grows past the size cap, and fetches it again', async () => {
		const png = makePlaceholderPng({ seed: 'big', minBytes: 200_000 });
		fake.faults.push({ route: 'download', kind: 'reply', contentType: 'image/png', body: png, contentLength: 'none' });
		let consumed = 0;
		const error = await failureOf(
			downloadFile(ctx(), { url: `${fake.url}/cdn/x/output-0.png`, itemIndex: 0, maxBytes: 100_000, deadlineMs: Date.now() + 5_000 }, async (file) => {
				consumed++;
				return await readAll(file.body);
			}),
		);
		expect(error.message).toMatch(/^Downloading the result image failed( after \d attempts)?: the reply is larger than 0.1 MB \(it grew past that\)$/);
		expect(consumed).toBe(fake.countRequests('download'));
		expect(consumed).toBeGreaterThanOrEqual(2);
	});

	it('ends an upload that hangs at the deadline instead of waiting for storage', async () => {
		fake.faults.push({ route: 'put', kind: 'delay', delayMs: 2500 });
		const error = await failureOf(
			putFile(ctx(), {
				url: `${fake.url}/storage/none`,
				headers: {},
				openBody: async () => Buffer.from('bytes'),
				sizeBytes: 5,
				itemIndex: 0,
				deadlineMs: Date.now() + 800,
			}),
		);
		expect(error.message).toMatch(/^Uploading the image to WaveSpeed storage failed: the transfer did not finish within [\d.]+ s$/);
		expect(fake.countRequests('put')).toBe(1);
	});
});
