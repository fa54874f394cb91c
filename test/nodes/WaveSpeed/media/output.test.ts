import { buildOutputItem } from '../../../../nodes/WaveSpeed/media/output';
import type { OutputOptions } from '../../../../nodes/WaveSpeed/media/output';
import type { Task } from '../../../../nodes/WaveSpeed/transport/types';
import { contextFor } from '../../../support/builders';
import { createExecuteContext } from '../../../support/executeContext';
import { failureOf } from '../../../support/failureOf';
import type { FakeWaveSpeed } from '../../../support/fakeWaveSpeed';
import { TINY_JPEG, makePlaceholderPng } from '../../../support/placeholderPng';
import { useFakeWaveSpeed } from '../../../support/useFakeWaveSpeed';

const S3_ACCESS_DENIED =
	'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>';

describe('output item: what comes back is checked', () => {
	let fake: FakeWaveSpeed;
	useFakeWaveSpeed((started) => (fake = started));

	const task = (outputs: string[] | undefined): Task => ({ id: 'task0123', status: 'completed', outputs });
	const cdnUrl = () => `${fake.url}/cdn/task0123/output-0.png`;
	const build = async (outputs: string[] | undefined, options: Partial<OutputOptions> = {}) => {
		const { ctx } = createExecuteContext(contextFor(fake, {}));
		return await buildOutputItem(ctx, task(outputs), { itemIndex: 0, downloadOutput: true, outputBinaryProperty: 'data', deadlineMs: Date.now() + 20_000, ...options });
	};

	it('stores a CDN image by what its bytes are, whatever the declared type', async () => {
		fake.faults.push({ route: 'download', kind: 'reply', contentType: 'application/octet-stream', body: TINY_JPEG });
		const item = await build([cdnUrl()]);
		expect(item.binary?.data).toMatchObject({ mimeType: 'image/jpeg', fileName: 'task0123.jpg' });
		expect(Buffer.from(item.binary!.data.data, 'base64').equals(TINY_JPEG)).toBe(true);
	});

	it.each([
		['an S3 AccessDenied page answered 200', 'application/xml', S3_ACCESS_DENIED, 'AccessDenied'],
		['an SVG, declared as an image', 'image/svg+xml', '<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>', '<svg'],
		['an empty body', 'image/png', '', 'nothing readable'],
	])('fails the item on %s, quoting the declared type, without retrying', async (_, contentType, body, quoted) => {
		fake.faults.push({ route: 'download', kind: 'reply', contentType, body });
		const error = await failureOf(build([cdnUrl()]));
		expect(error.message).toContain('Output 1 of task task0123: the download is not a PNG, JPEG or WEBP image');
		expect(error.message).toContain(`"${contentType}"`);
		expect(error.message).toContain(quoted);
		expect(error.context.taskId).toBe('task0123');
		expect(fake.countRequests('download')).toBe(1);
	});

	it('ends a body that stalls at the deadline, after retrying, naming the task and Get Result', async () => {
		fake.faults.push({ route: 'download', kind: 'stall', stallAfterBytes: 200 });
		const error = await failureOf(build([cdnUrl()], { deadlineMs: Date.now() + 1500 }));
		expect(error.message).toMatch(
			/^Output 1 of task task0123: Downloading the result image failed( after \d attempts)?: the transfer did not finish within [\d.]+ s \(the image exists: Get Result can download it again\)$/,
		);
		expect(error.context.taskId).toBe('task0123');
		expect(fake.countRequests('download')).toBeGreaterThanOrEqual(1);
	});

	it('refuses a reply that declares more than 100 MB before reading it, and retries it like a broken body', async () => {
		fake.faults.push({ route: 'download', kind: 'stall', contentLength: 200 * 1024 * 1024, stallAfterBytes: 0 });
		// Every try is refused at its headers; the deadline only has to outlast the retries' pauses on a loaded machine.
		const error = await failureOf(build([cdnUrl()], { deadlineMs: Date.now() + 10_000 }));
		expect(error.message).toContain('the reply is larger than 100 MB (it declares 200 MB)');
		expect(error.message).toContain('(the image exists: Get Result can download it again)');
		expect(fake.countRequests('download')).toBeGreaterThanOrEqual(2);
	});

	it('fails a completed task without outputs, or with only empty ones, naming the task', async () => {
		for (const outputs of [[], undefined, ['', '  ']]) {
			const error = await failureOf(build(outputs));
			expect(error.message).toBe('WaveSpeed task task0123 completed without any output image');
			expect(error.context.taskId).toBe('task0123');
		}
	});

	it('returns the JSON as it is for a task without outputs when Download Output is off', async () => {
		const item = await build([], { downloadOutput: false });
		expect(item).toEqual({ json: expect.objectContaining({ id: 'task0123', status: 'completed', outputs: [] }) });
	});

	it('decodes base64 outputs that are images, and fails those that are not, or are not base64 at all', async () => {
		const png = makePlaceholderPng({ seed: 'inline' });
		const item = await build([png.toString('base64')], { downloadOutput: false });
		expect(item.binary?.data).toMatchObject({ mimeType: 'image/png', fileName: 'task0123.png' });
		expect(item.json.outputs).toEqual([]);

		const notAnImage = await failureOf(build([Buffer.from('just some text, no image').toString('base64')]));
		expect(notAnImage.message).toContain('Output 1 of task task0123: WaveSpeed sent base64 data that is not a PNG, JPEG or WEBP image');
		const neither = await failureOf(build(['ftp://cdn.example.com/out.png']));
		expect(neither.message).toContain('Output 1 of task task0123: WaveSpeed sent neither an http(s) URL nor base64 image data: "ftp://');
	});

	describe('the size of a stored image', () => {
		const buildStored = async (outputs: string[]) => {
			const { ctx } = createExecuteContext({ ...contextFor(fake, {}), binaryMode: 'filesystem' });
			const readBack = jest.spyOn(ctx.helpers, 'getBinaryStream');
			const item = await buildOutputItem(ctx, task(outputs), { itemIndex: 0, downloadOutput: true, outputBinaryProperty: 'data', deadlineMs: Date.now() + 20_000 });
			return { item, readBacks: readBack.mock.calls.length };
		};

		it('comes from the bytes the download read first, without reading the stored file back (a file, database or S3 read an item)', async () => {
			fake.faults.push({ route: 'download', kind: 'reply', contentType: 'image/png', body: makePlaceholderPng({ width: 1536, height: 1024 }) });
			const { item, readBacks } = await buildStored([cdnUrl()]);
			expect(item.json.images).toEqual([expect.objectContaining({ width: 1536, height: 1024, mimeType: 'image/png' })]);
			expect(item.binary?.data.id).toBeDefined();
			expect(readBacks).toBe(0);
		});

		it('is read back from the store when the first bytes off the socket stop before the frame header (a JPEG with a large EXIF block)', async () => {
			// An APP1 segment of 30 KB, then the start of frame: 800 wide, 600 high.
			const app1 = Buffer.concat([Buffer.from([0xff, 0xe1, 0x75, 0x32]), Buffer.alloc(0x7530, 0x20)]);
			const frame = Buffer.from([0xff, 0xc0, 0x00, 0x11, 0x08, 0x02, 0x58, 0x03, 0x20, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01]);
			const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8]), app1, frame, Buffer.from([0xff, 0xd9])]);
			fake.faults.push({ route: 'download', kind: 'reply', contentType: 'image/jpeg', body: jpeg, firstChunkBytes: 20 });
			const { item } = await buildStored([cdnUrl()]);
			expect(item.json.images).toEqual([expect.objectContaining({ width: 800, height: 600, mimeType: 'image/jpeg' })]);
		});
	});
});
