/**
 * The Trigger's webhook() on calls the local WaveSpeed server really makes: a task submitted with `?webhook=` is
 * reported to a capture server here, and that exact call (headers and bytes) is handed to the node.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { IWebhookResponseData } from 'n8n-workflow';

import { signCallback } from '../../../nodes/WaveSpeed/webhooks/signature';
import { WaveSpeedTrigger } from '../../../nodes/WaveSpeedTrigger/WaveSpeedTrigger.node';
import type { FakeWaveSpeed } from '../../support/fakeWaveSpeed';
import { useFakeWaveSpeed } from '../../support/useFakeWaveSpeed';
import type { IncomingCall } from '../../support/webhookContext';
import { createWebhookContext } from '../../support/webhookContext';

interface Captured {
	headers: Record<string, string>;
	rawBody: Buffer;
	query: Record<string, string>;
}

describe('WaveSpeed Trigger: webhook()', () => {
	let fake: FakeWaveSpeed;
	useFakeWaveSpeed((started) => (fake = started));

	let capture: Server;
	let captureUrl: string;
	const captured: Captured[] = [];
	beforeAll(async () => {
		capture = createServer((req, res) => {
			const chunks: Buffer[] = [];
			req.on('data', (chunk: Buffer) => chunks.push(chunk));
			req.on('end', () => {
				const url = new URL(req.url ?? '/', 'http://localhost');
				captured.push({
					headers: Object.fromEntries(Object.entries(req.headers).map(([name, value]) => [name, String(value)])),
					rawBody: Buffer.concat(chunks),
					query: Object.fromEntries(url.searchParams),
				});
				res.end('ok');
			});
		});
		await new Promise<void>((resolve) => capture.listen(0, '127.0.0.1', () => resolve()));
		captureUrl = `http://127.0.0.1:${(capture.address() as AddressInfo).port}/hook`;
	});
	afterAll(async () => await new Promise((resolve) => capture.close(resolve)));
	afterEach(() => (captured.length = 0));

	// Every test has its own workflow and credential: the node's memory (repeats, secret) is per workflow and account.
	let testNumber = 0;
	beforeEach(() => testNumber++);

	/** Submits an edit with `?webhook=<capture URL>?sku=…` and returns WaveSpeed's call once it arrived. */
	async function callbackFor(prompt: string, sku = '123'): Promise<Captured> {
		const webhook = `${captureUrl}?sku=${sku}`;
		const submitted = await fetch(`${fake.url}/api/v3/openai/gpt-image-2/edit?webhook=${encodeURIComponent(webhook)}`, {
			method: 'POST',
			headers: { Authorization: `Bearer ${fake.options.apiKey}`, 'Content-Type': 'application/json' },
			body: JSON.stringify({ prompt, images: ['https://images.example.com/chair.png'] }),
		});
		const { data } = (await submitted.json()) as { data: { id: string } };
		for (let waited = 0; waited < 200 && !captured.some((call) => call.rawBody.includes(data.id)); waited++) {
			await new Promise((resolve) => setTimeout(resolve, 25));
		}
		const call = captured.find((candidate) => candidate.rawBody.includes(data.id));
		if (!call) throw new Error(`No callback for task ${data.id}`);
		return call;
	}

	async function receive(call: IncomingCall, triggerOptions = {}) {
		const context = createWebhookContext({
			call,
			credentials: { apiKey: fake.options.apiKey, baseUrl: fake.url },
			triggerOptions,
			workflowId: `workflow-${testNumber}`,
			credentialId: `credential-${testNumber}`,
		});
		const result: IWebhookResponseData = await new WaveSpeedTrigger().webhook.call(context.ctx);
		return { result, ...context };
	}

	it('starts one execution for a genuine callback: the prediction, the URL\'s query and the image as binary data', async () => {
		const call = await callbackFor('Put the chair in a sunny room');
		const { result, response, httpCalls } = await receive(call);

		expect(response.status).toBeUndefined();
		const [[item]] = result.workflowData!;
		const taskId = String(item.json.id);
		expect(item.json).toMatchObject({
			status: 'completed',
			model: 'openai/gpt-image-2/edit',
			error: '',
			input: { prompt: 'Put the chair in a sunny room' },
			query: { sku: '123' },
		});
		expect(item.json.outputs).toEqual([`${fake.url}/cdn/${taskId}/output-0.png`]);
		expect(item.json.files).toEqual([expect.objectContaining({ binaryProperty: 'data', mimeType: 'image/png', width: 64, height: 64 })]);
		const cdn = Buffer.from(await (await fetch(`${fake.url}/cdn/${taskId}/output-0.png`)).arrayBuffer());
		expect(Buffer.from(item.binary!.data.data, 'base64').equals(cdn)).toBe(true);
		expect(item.binary!.data).toMatchObject({ mimeType: 'image/png', fileName: `${taskId}.png` });

		// The key went to the API's secret route only; the CDN download carried no key.
		expect(httpCalls.map((http) => [http.authenticated, http.options.url.split('?')[0]])).toEqual([
			[true, `${fake.url}/api/v3/webhook/secret`],
			[false, `${fake.url}/cdn/${taskId}/output-0.png`],
		]);
		const download = fake.requests.find((request) => request.route === 'download' && request.path.includes(taskId))!;
		expect(download.headers.authorization).toBeUndefined();
	});

	it('starts an execution for a callback whose outputs are {url} objects, reading them as URLs (issue 20)', async () => {
		fake.options.outputsAsObjects = true;
		const call = await callbackFor('Outputs as objects');
		expect(call.rawBody.toString('utf8')).toContain('"outputs":[{"url":');
		const { result, response } = await receive(call);
		expect(response.status).toBeUndefined();
		const [[item]] = result.workflowData!;
		expect(item.json.outputs).toEqual([`${fake.url}/cdn/${String(item.json.id)}/output-0.png`]);
		expect(item.binary?.data.mimeType).toBe('image/png');
	});

	it('reads a webhook secret sent bare, without the envelope ({"secret": …}) (issue 20)', async () => {
		const call = await callbackFor('Bare secret reply');
		fake.faults.push({ route: 'webhookSecret', kind: 'reply', status: 200, contentType: 'application/json', body: JSON.stringify({ secret: fake.callbacks.secret }) });
		const { result, response } = await receive(call);
		expect(response.status).toBeUndefined();
		expect(result.workflowData).toHaveLength(1);
	});

	it('acknowledges a repeat of the same task without starting a second execution; the secret is fetched once', async () => {
		const call = await callbackFor('A lamp on a desk');
		const first = await receive(call);
		expect(first.result.workflowData).toHaveLength(1);

		// WaveSpeed delivers again: a new signature and timestamp over the same prediction.
		const body = call.rawBody.toString('utf8');
		const again = await receive({ headers: fake.callbacks.sign(body), rawBody: Buffer.from(body), query: call.query });
		expect(again.result).toEqual({ webhookResponse: { message: expect.stringContaining('was already reported') } });
		expect(again.response.status).toBeUndefined();
		expect(fake.countRequests('webhookSecret')).toBe(1);
	});

	it.each([
		['forged (signed with another secret)', (body: string) => headersSignedWith('whsec_forgery', body)],
		['stale (signed 6 minutes ago)', (body: string) => fake.callbacks.sign(body, Math.floor(Date.now() / 1000) - 360)],
		['unsigned', () => ({})],
	])('refuses a %s call with 401 and starts nothing', async (_, headersFor) => {
		const call = await callbackFor('A sofa [inference:10]');
		const body = call.rawBody.toString('utf8');
		const { result, response, logs } = await receive({ headers: headersFor(body) as Record<string, string>, rawBody: call.rawBody, query: call.query });
		expect(result).toEqual({ noWebhookResponse: true });
		expect(response).toEqual({ status: 401, body: { message: expect.stringMatching(/^Refused: /) } });
		expect(logs.join('\n')).toContain('WaveSpeed Trigger refused a call (401)');
		expect(logs.join('\n')).not.toContain(fake.callbacks.secret);

		// The genuine call is still reported afterwards: a refused one claimed nothing.
		expect((await receive(call)).result.workflowData).toHaveLength(1);
	});

	it('refuses a genuine signature over a body changed on the way (a different task status)', async () => {
		const call = await callbackFor('A table');
		const changed = Buffer.from(call.rawBody.toString('utf8').replace('"completed"', '"failed"'));
		const { result, response } = await receive({ ...call, rawBody: changed });
		expect([result, response.status]).toEqual([{ noWebhookResponse: true }, 401]);
	});

	it('refuses a call that reached the node without its body', async () => {
		const call = await callbackFor('A chair');
		const { result, response } = await receive({ ...call, rawBody: undefined });
		expect([result, response.status]).toEqual([{ noWebhookResponse: true }, 401]);
	});

	it('reports a failed task as JSON with WaveSpeed\'s error, downloading nothing', async () => {
		const call = await callbackFor('Refused [fail]');
		const { result } = await receive(call);
		const [[item]] = result.workflowData!;
		expect(item.json).toMatchObject({ status: 'failed', outputs: [], query: { sku: '123' }, code: 1200 });
		expect(String(item.json.error)).toContain('Content policy violation');
		expect(item.binary).toBeUndefined();
		expect(fake.countRequests('download')).toBe(0);
	});

	it('with Download Output off, returns the URLs only', async () => {
		const call = await callbackFor('A bench');
		const { result } = await receive(call, { downloadOutput: false });
		const [[item]] = result.workflowData!;
		expect(item.binary).toBeUndefined();
		expect(item.json.outputs).toHaveLength(1);
		expect(fake.countRequests('download')).toBe(0);
	});

	it('still starts the execution when the download fails, with the reason, so the paid task is not lost', async () => {
		fake.faults.push({ route: 'download', kind: 'reply', contentType: 'application/xml', body: '<Error><Code>AccessDenied</Code></Error>' });
		const call = await callbackFor('A stool');
		const { result } = await receive(call);
		const [[item]] = result.workflowData!;
		expect(item.binary).toBeUndefined();
		expect(item.json.status).toBe('completed');
		expect(String(item.json.downloadError)).toContain('the download is not an image, video or audio file');
	});

	it('answers 503 (WaveSpeed delivers again later) when the secret cannot be fetched, and logs no key', async () => {
		const call = await callbackFor('A shelf');
		fake.faults.push({ route: 'webhookSecret', kind: 'status', status: 401 });
		const { result, response, logs } = await receive(call);
		expect([result, response.status]).toEqual([{ noWebhookResponse: true }, 503]);
		expect(logs.join('\n')).toContain('could not fetch the webhook secret');
		expect(logs.join('\n')).not.toContain(fake.options.apiKey);
	});

	/** What a forger without the account's secret would send. */
	function headersSignedWith(secret: string, body: string): Record<string, string> {
		const timestamp = String(Math.floor(Date.now() / 1000));
		return { 'webhook-id': 'msg_forged', 'webhook-timestamp': timestamp, 'webhook-signature': signCallback(secret, 'msg_forged', timestamp, body) };
	}
});
