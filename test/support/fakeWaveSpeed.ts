/**
 * A local HTTP server that speaks WaveSpeed's API as its public docs and SDKs describe it: the envelope, task
 * statuses, both upload flows, sync mode, CDN outputs, and fault switches (./fakeWaveSpeed/faults.ts). Used by the
 * tests, the benchmark and the local demo. Only node: built-ins, and only erasable TypeScript, so Node 24 can run it as is.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

import { createFakeAccount } from './fakeWaveSpeed/balance.ts';
import type { FakeAccount } from './fakeWaveSpeed/balance.ts';
import { createCallbackSender } from './fakeWaveSpeed/callbacks.ts';
import type { CallbackSender } from './fakeWaveSpeed/callbacks.ts';
import { MEDIA_FILES, answerCatalogue, answerQuote, checkModelSubmit, createCatalogueSwitches, findModelByPath, renderMedia } from './fakeWaveSpeed/catalogue.ts';
import type { CatalogueSwitches, FakeModel, MediaKind } from './fakeWaveSpeed/catalogue.ts';
import { queueTask } from './fakeWaveSpeed/concurrencyQueue.ts';
import { answerHistory } from './fakeWaveSpeed/history.ts';
import type { HistorySwitches } from './fakeWaveSpeed/history.ts';
import type { ConcurrencyMode } from './fakeWaveSpeed/concurrencyQueue.ts';
import { shapeOutputs } from './fakeWaveSpeed/outputShapes.ts';
import { API_ROUTES, applyFault, pickFault, sendEnvelope as send } from './fakeWaveSpeed/faults.ts';
import type { FaultRule, Route } from './fakeWaveSpeed/faults.ts';
import { makePlaceholderPng } from './placeholderPng.ts';

export type { FaultRule, Route } from './fakeWaveSpeed/faults.ts';
export type { CallbackRecord } from './fakeWaveSpeed/callbacks.ts';

export interface FakeOptions {
	apiKey: string;
	/** How long a task runs before it completes. */
	inferenceMs: number;
	/** Sync mode gives up after this and answers "processing" with code 5004. */
	syncTimeoutMs: number;
	/** Like a new account's "too many concurrent tasks" 429; 0 = no cap. */
	maxConcurrentTasks: number;
	maxUploadBytes: number;
	outputWidth: number;
	outputHeight: number;
	/** Pads output PNGs to this size, for memory benchmarks. */
	outputMinBytes: number;
	/** The ticket route answers 404, as on a gateway that only has the legacy upload. */
	ticketRouteMissing: boolean;
	/** Outputs listed as `{url: …}` objects instead of strings (./fakeWaveSpeed/outputShapes.ts). */
	outputsAsObjects?: boolean;
	/** Over maxConcurrentTasks: refuse with 429 (default) or queue in `created` (./fakeWaveSpeed/concurrencyQueue.ts). */
	concurrencyMode?: ConcurrencyMode;
}

export interface FakeTask {
	id: string;
	request: Record<string, unknown>;
	createdAtMs: number;
	completeAtMs: number;
	outcome: 'completed' | 'failed' | 'never';
	failureCode?: number;
	outputCount: number;
	/** Run Model tasks: the catalogue model, what it makes, and the fields WaveSpeed silently dropped. */
	model?: string;
	output?: MediaKind;
	droppedFields?: string[];
	/** Where WaveSpeed calls when the task ends (`?webhook=` on the submit). */
	webhookUrl?: string;
	/** Queue mode: when the task leaves `created` and starts running. */
	startAtMs?: number;
	/** When a result poll first saw the end. */
	firstSeenDoneAtMs?: number;
	/** When the first output was fully sent: the latency the node added is this minus completeAtMs. */
	outputSentAtMs?: number;
	/** The same two events in the server's own order (see RecordedRequest.seq): for tests that compare order. */
	firstSeenDoneSeq?: number;
	outputSentSeq?: number;
}

export interface RecordedRequest {
	method: string;
	path: string;
	route: Route;
	headers: Record<string, string | string[] | undefined>;
	bodyBytes: number;
	atMs: number;
	/**
	 * The request's place among everything the server saw (requests, a poll seeing an end, an output sent): tests that
	 * ask "which came first" compare these, never times, which tie within a millisecond.
	 */
	seq: number;
}

export interface FakeWaveSpeed {
	url: string;
	options: FakeOptions;
	faults: FaultRule[];
	tasks: Map<string, FakeTask>;
	requests: RecordedRequest[];
	/** Highest number of unfinished tasks seen at any submit. */
	peakRunningTasks: number;
	/** Webhooks (`?webhook=` on a submit): the account's secret, the calls made, and a way to make or forge one. */
	callbacks: CallbackSender;
	/** The model catalogue's and the price quote's switches (./fakeWaveSpeed/catalogue.ts). */
	catalogue: CatalogueSwitches;
	/** The account's balance, lowered by each accepted task; `setBalance` makes it refuse what it cannot pay. */
	account: FakeAccount;
	/** The task history's switches (./fakeWaveSpeed/history.ts). */
	history: HistorySwitches;
	countRequests(route: Route): number;
	/** Clears tasks, requests, faults and counters; keeps the options given at start. */
	reset(): void;
	close(): Promise<void>;
}

const ASPECT_RATIOS = ['1:1', '3:2', '2:3', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9'];
const UPLOAD_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif', 'video/mp4', 'audio/mpeg', 'audio/wav'];
const EDIT_MODEL = 'openai/gpt-image-2/edit';
const GENERATE_MODEL = 'openai/gpt-image-2/text-to-image';

export async function startFakeWaveSpeed(
	overrides: Partial<FakeOptions> = {},
	port = 0,
	host = '127.0.0.1',
): Promise<FakeWaveSpeed> {
	const defaults: FakeOptions = {
		apiKey: 'test-api-key-123',
		inferenceMs: 50,
		syncTimeoutMs: 5_000,
		maxConcurrentTasks: 0,
		maxUploadBytes: 32 * 1024 * 1024,
		outputWidth: 64,
		outputHeight: 64,
		outputMinBytes: 0,
		ticketRouteMissing: false,
	};
	const options: FakeOptions = { ...defaults, ...overrides };
	const uploads = new Map<string, { bytes?: Buffer; size: number; contentType: string; signature: string; fileName: string }>();
	const outputCache = new Map<string, Buffer>();
	const sockets = new Set<Socket>();
	// The server's own order of events (RecordedRequest.seq); never reset, so it only grows.
	let lastSeq = 0;
	const nextSeq = () => ++lastSeq;

	const fake: FakeWaveSpeed = {
		url: '',
		options,
		faults: [],
		tasks: new Map(),
		requests: [],
		peakRunningTasks: 0,
		callbacks: createCallbackSender(),
		catalogue: createCatalogueSwitches(),
		account: createFakeAccount(),
		history: { maxPageSize: 100 },
		countRequests: (route) => fake.requests.filter((request) => request.route === route).length,
		reset() {
			fake.faults.length = 0;
			fake.tasks.clear();
			fake.requests.length = 0;
			fake.peakRunningTasks = 0;
			fake.callbacks.reset();
			fake.catalogue = createCatalogueSwitches();
			fake.account = createFakeAccount();
			fake.history = { maxPageSize: 100 };
			Object.assign(options, defaults, overrides);
			uploads.clear();
			outputCache.clear();
		},
		close: async () =>
			await new Promise<void>((resolve) => {
				fake.callbacks.reset();
				for (const socket of sockets) socket.destroy();
				server.close(() => resolve());
			}),
	};

	const statusOf = (task: FakeTask, nowMs: number): string => {
		if (task.startAtMs !== undefined && nowMs < task.startAtMs) return 'created';
		if (task.outcome === 'never' || nowMs < task.completeAtMs) {
			return nowMs - task.createdAtMs < Math.min(20, options.inferenceMs / 2) ? 'created' : 'processing';
		}
		return task.outcome;
	};

	const taskJson = (task: FakeTask, nowMs: number): Record<string, unknown> => {
		const status = statusOf(task, nowMs);
		const done = status === 'completed';
		const inline = task.request.enable_base64_output === true;
		const outputs = done
			? Array.from({ length: task.outputCount }, (_, index) =>
					inline
						? renderOutput(task, index).toString('base64')
						: `${fake.url}/cdn/${task.id}/output-${index}.${MEDIA_FILES[task.output ?? 'image'].extension}`,
				)
			: [];
		return {
			id: task.id,
			model: task.model ?? (Array.isArray(task.request.images) ? EDIT_MODEL : GENERATE_MODEL),
			outputs: shapeOutputs(outputs, options.outputsAsObjects === true),
			urls: { get: `${fake.url}/api/v3/predictions/${task.id}/result` },
			has_nsfw_contents: outputs.map(() => false),
			status,
			created_at: new Date(task.createdAtMs).toISOString(),
			error: status === 'failed' ? `Content policy violation: the request was refused (test task ${task.id})` : '',
			...(status === 'failed' && task.failureCode ? { code: task.failureCode } : {}),
			timings: { inference: done ? task.completeAtMs - task.createdAtMs : 0 },
		};
	};

	const routeOf = (method: string, path: string): Route => {
		if (method === 'POST' && path === '/api/v3/openai/gpt-image-2/edit') return 'submit';
		if (method === 'POST' && path === '/api/v3/openai/gpt-image-2/text-to-image') return 'generate';
		if (method === 'GET' && /^\/api\/v3\/predictions\/[^/]+\/result$/.test(path)) return 'result';
		if (method === 'POST' && path === '/api/v3/media/uploads') return 'ticket';
		if (method === 'POST' && path === '/api/v3/media/upload/binary') return 'legacyUpload';
		if (method === 'GET' && path === '/api/v3/balance') return 'balance';
		if (method === 'GET' && path === '/api/v3/webhook/secret') return 'webhookSecret';
		if (method === 'GET' && path === '/api/v3/models') return 'models';
		if (method === 'POST' && path === '/api/v3/model/price') return 'price';
		if (method === 'POST' && path === '/api/v3/model/pricing') return 'pricing';
		if (method === 'POST' && path === '/api/v3/predictions') return 'history';
		if (method === 'POST' && findModelByPath(path)) return 'model';
		if (method === 'PUT' && path.startsWith('/storage/')) return 'put';
		if (method === 'GET' && path.startsWith('/media/')) return 'media';
		if (method === 'GET' && path.startsWith('/cdn/')) return 'download';
		return 'unknown';
	};

	const readBody = async (req: IncomingMessage): Promise<Buffer> => {
		const chunks: Buffer[] = [];
		for await (const piece of req) chunks.push(piece as Buffer);
		return Buffer.concat(chunks);
	};

	const parseJson = (body: Buffer): Record<string, unknown> | undefined => {
		try {
			const value = JSON.parse(body.toString('utf8'));
			return value && typeof value === 'object' ? value : undefined;
		} catch {
			return undefined;
		}
	};

	const validateSubmit = (body: Record<string, unknown>, withImages: boolean): string | undefined => {
		const { images, prompt } = body;
		if (withImages && (!Array.isArray(images) || images.length < 1)) return 'images is required: at least 1 image URL';
		if (!withImages && images !== undefined) return 'images is not a field of text-to-image';
		if (Array.isArray(images) && images.length > 16) return 'images: at most 16 images';
		if (typeof prompt !== 'string' || prompt.trim() === '') return 'prompt is required';
		if (body.aspect_ratio !== undefined && !ASPECT_RATIOS.includes(String(body.aspect_ratio))) {
			return `aspect_ratio must be one of ${ASPECT_RATIOS.join(', ')}`;
		}
		if (body.resolution !== undefined && !['1k', '2k', '4k'].includes(String(body.resolution))) {
			return 'resolution must be one of 1k, 2k, 4k';
		}
		if (body.quality !== undefined && !['low', 'medium', 'high'].includes(String(body.quality))) {
			return 'quality must be one of low, medium, high';
		}
		for (const [key, value] of Object.entries(body)) {
			if (value === null || value === '') return `${key} must be omitted rather than empty`;
		}
		for (const image of (images as unknown[] | undefined) ?? []) {
			if (!canDownload(String(image))) return `failed to download image: ${String(image)}`;
		}
		return undefined;
	};

	/** Whether WaveSpeed could fetch an input URL: our own uploads only once PUT, and never an .invalid host. */
	const canDownload = (url: string): boolean => {
		if (!/^https?:\/\//.test(url)) return false;
		const own = url.startsWith(`${fake.url}/media/`) ? uploads.get(url.slice(`${fake.url}/media/`.length).split('/')[0]) : undefined;
		if (url.startsWith(`${fake.url}/media/`) && !own?.bytes) return false;
		return !/\.invalid(\/|:|$)/.test(new URL(url).hostname + '/');
	};

	const createTask = (body: Record<string, unknown>, model?: FakeModel, dropped?: string[]): FakeTask => {
		const prompt = String(body.prompt ?? '');
		const nowMs = Date.now();
		const inference = /\[inference:(\d+)\]/.exec(prompt);
		const fail = /\[fail(?::(\d+))?\]/.exec(prompt);
		const outputs = /\[outputs:(\d+)\]/.exec(prompt);
		const task: FakeTask = {
			id: randomUUID().replace(/-/g, ''),
			request: body,
			createdAtMs: nowMs,
			completeAtMs: nowMs + (inference ? Number(inference[1]) : options.inferenceMs),
			outcome: prompt.includes('[never]') ? 'never' : fail ? 'failed' : 'completed',
			failureCode: fail ? Number(fail[1] ?? 1200) : undefined,
			outputCount: outputs ? Number(outputs[1]) : 1,
			...(model ? { model: model.model_id, output: model.output, droppedFields: dropped } : {}),
		};
		fake.tasks.set(task.id, task);
		return task;
	};

	const runningTasks = (nowMs: number) =>
		[...fake.tasks.values()].filter((task) => !['completed', 'failed'].includes(statusOf(task, nowMs))).length;

	const handleSubmit = async (body: Buffer, res: ServerResponse, fault: FaultRule | undefined, withImages = true, model?: FakeModel) => {
		const json = parseJson(body);
		if (!json) return send(res, 400, null, 'invalid JSON body');
		const webhookUrl = new URL(res.req.url ?? '/', 'http://localhost').searchParams.get('webhook') ?? undefined;
		if (webhookUrl && json.enable_base64_output === true) return send(res, 400, null, 'webhook callback does not support base64 output');
		if (webhookUrl && !/^https?:\/\//.test(webhookUrl)) return send(res, 400, null, 'webhook must be an http(s) URL');
		const checked = model ? checkModelSubmit(model, json, canDownload) : undefined;
		const problem = checked ? ('problem' in checked ? checked.problem : undefined) : validateSubmit(json, withImages);
		if (problem) return send(res, 400, null, problem);
		const queue = options.concurrencyMode === 'queue' && options.maxConcurrentTasks > 0;
		if (!queue && options.maxConcurrentTasks > 0 && runningTasks(Date.now()) >= options.maxConcurrentTasks) {
			return send(res, 429, null, 'too many concurrent tasks', { 'Retry-After': '1' });
		}
		const refused = fake.account.charge(json, model);
		if (refused) return send(res, refused.status, null, refused.message);
		const task = createTask(json, model, checked && 'dropped' in checked ? checked.dropped : undefined);
		if (queue) queueTask(task, fake.tasks.values(), options.maxConcurrentTasks, task.createdAtMs);
		if (webhookUrl && task.outcome !== 'never') {
			task.webhookUrl = webhookUrl;
			// A timer may fire a millisecond before the end it was set for: the call always reports the task ended.
			const prediction = () => ({ ...taskJson(task, Math.max(Date.now(), task.completeAtMs)), input: task.request });
			fake.callbacks.schedule(task.id, webhookUrl, task.completeAtMs, String(json.prompt ?? ''), prediction);
		}
		fake.peakRunningTasks = Math.max(fake.peakRunningTasks, runningTasks(Date.now()));
		// A fault after creation is the case that must not be resubmitted: the task exists and is billed.
		if (fault && (await applyFault(fault, res))) return;
		if (json.enable_sync_mode === true) {
			const giveUpAtMs = Date.now() + options.syncTimeoutMs;
			while (task.outcome === 'never' || Date.now() < task.completeAtMs) {
				if (Date.now() >= giveUpAtMs) {
					return send(res, 200, { ...taskJson(task, Date.now()), error: 'Sync mode timed out', code: 5004 });
				}
				await new Promise((resolve) => setTimeout(resolve, 10));
			}
			task.firstSeenDoneAtMs ??= Date.now();
			task.firstSeenDoneSeq ??= nextSeq();
		}
		send(res, 200, taskJson(task, Date.now()));
	};

	const handleResult = (path: string, res: ServerResponse) => {
		const id = decodeURIComponent(path.split('/')[4]);
		const task = fake.tasks.get(id);
		if (!task) return send(res, 404, null, `prediction ${id} not found`);
		const nowMs = Date.now();
		const json = taskJson(task, nowMs);
		if (['completed', 'failed'].includes(String(json.status))) {
			task.firstSeenDoneAtMs ??= nowMs;
			task.firstSeenDoneSeq ??= nextSeq();
		}
		send(res, 200, json);
	};

	const handleTicket = (body: Buffer, res: ServerResponse) => {
		if (options.ticketRouteMissing) return send(res, 404, null, 'Not Found');
		const json = parseJson(body);
		const size = Number(json?.size);
		const contentType = String(json?.content_type ?? '');
		if (!json || !json.filename || !Number.isFinite(size) || size <= 0) return send(res, 400, null, 'filename, size and content_type are required');
		if (!UPLOAD_TYPES.includes(contentType)) return send(res, 400, null, `content_type ${contentType} is not supported`);
		if (size > options.maxUploadBytes) return send(res, 413, null, `file too large: ${size} bytes, limit ${options.maxUploadBytes}`);
		const token = randomUUID();
		const signature = randomUUID();
		const fileName = String(json.filename).replace(/[^\w.-]/g, '_');
		uploads.set(token, { size, contentType, signature, fileName });
		send(res, 200, {
			download_url: `${fake.url}/media/${token}/${fileName}`,
			upload: {
				url: `${fake.url}/storage/${token}?X-Fake-Signature=${signature}`,
				method: 'PUT',
				headers: { 'Content-Type': contentType, 'x-fake-signed': signature },
				expires_at: new Date(Date.now() + 3_600_000).toISOString(),
			},
		});
	};

	const handlePut = (req: IncomingMessage, path: string, body: Buffer, res: ServerResponse) => {
		const upload = uploads.get(path.split('/')[2]);
		const plain = (status: number, text: string) => {
			res.writeHead(status, { 'Content-Type': 'text/plain' });
			res.end(text);
		};
		if (!upload) return plain(404, 'no such upload');
		if (req.headers.authorization) return plain(400, 'Authorization must not be sent to presigned storage');
		if (req.headers['x-fake-signed'] !== upload.signature) return plain(403, 'signature header missing or changed');
		if (req.headers['content-type'] !== upload.contentType) return plain(403, 'content-type differs from the signed one');
		if (body.length !== upload.size) return plain(400, `size ${body.length} differs from the declared ${upload.size}`);
		upload.bytes = body;
		plain(200, '');
	};

	const handleLegacyUpload = (req: IncomingMessage, body: Buffer, res: ServerResponse) => {
		const boundary = /boundary=([^;]+)/.exec(String(req.headers['content-type']))?.[1];
		if (!boundary) return send(res, 400, null, 'multipart/form-data with a boundary is required');
		const text = body.toString('latin1');
		const start = text.indexOf('\r\n\r\n');
		const end = text.lastIndexOf(`\r\n--${boundary}--`);
		const head = text.slice(0, start);
		if (start < 0 || end < 0 || !/name="file"/.test(head)) return send(res, 400, null, 'field "file" is required');
		const bytes = body.subarray(start + 4, end);
		if (bytes.length > options.maxUploadBytes) return send(res, 413, null, 'file too large');
		const fileName = (/filename="([^"]*)"/.exec(head)?.[1] ?? 'file').replace(/[^\w.-]/g, '_');
		const contentType = /Content-Type: ([^\r\n]+)/i.exec(head)?.[1] ?? 'application/octet-stream';
		const token = randomUUID();
		uploads.set(token, { bytes, size: bytes.length, contentType, signature: '', fileName });
		send(res, 200, { type: 'image', download_url: `${fake.url}/media/${token}/${fileName}`, filename: fileName, size: bytes.length });
	};

	const handleFile = (res: ServerResponse, bytes: Buffer | undefined, contentType: string) => {
		if (!bytes) {
			res.writeHead(404, { 'Content-Type': 'text/plain' });
			res.end('not found');
			return;
		}
		res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': String(bytes.length) });
		res.end(bytes);
	};

	const renderOutput = (task: FakeTask, index: number): Buffer => {
		const key = `${task.id}/${index}`;
		if (task.output && task.output !== 'image') return renderMedia(task.output, key);
		const cached = outputCache.get(key);
		if (cached) return cached;
		const png = makePlaceholderPng({
			width: options.outputWidth,
			height: options.outputHeight,
			seed: key,
			minBytes: options.outputMinBytes,
		});
		// Large (benchmark) outputs are made anew each time rather than kept.
		if (options.outputMinBytes === 0) outputCache.set(key, png);
		return png;
	};

	const handleDownload = (path: string, res: ServerResponse) => {
		const [, , id, name] = path.split('/');
		const task = fake.tasks.get(id);
		const kind = task?.output ?? 'image';
		const index = Number(new RegExp(`output-(\\d+)\\.${MEDIA_FILES[kind].extension}$`).exec(name ?? '')?.[1] ?? -1);
		if (!task || statusOf(task, Date.now()) !== 'completed' || index < 0 || index >= task.outputCount) {
			handleFile(res, undefined, '');
			return;
		}
		const bytes = renderOutput(task, index);
		res.on('finish', () => {
			task.outputSentAtMs ??= Date.now();
			task.outputSentSeq ??= nextSeq();
		});
		handleFile(res, bytes, MEDIA_FILES[kind].contentType);
	};

	const server = createServer((req, res) => {
		void (async () => {
			const url = new URL(req.url ?? '/', 'http://localhost');
			const method = (req.method ?? 'GET').toUpperCase();
			const route = routeOf(method, url.pathname);
			const body = await readBody(req);
			fake.requests.push({ method, path: url.pathname, route, headers: req.headers, bodyBytes: body.length, atMs: Date.now(), seq: nextSeq() });

			if (API_ROUTES.includes(route) && req.headers.authorization !== `Bearer ${options.apiKey}`) {
				return send(res, 401, null, 'Unauthorized: invalid or inactive API key');
			}
			let fault = pickFault(fake.faults, route);
			const model = route === 'model' ? findModelByPath(url.pathname) : undefined;
			if (fault && model && fault.kind !== 'delay' && !(fault.kind === 'status' && fault.status === 429)) {
				return await handleSubmit(body, res, fault, false, model);
			}
			if (fault && (route === 'submit' || route === 'generate') && fault.kind !== 'delay' && !(fault.kind === 'status' && fault.status === 429)) {
				return await handleSubmit(body, res, fault, route === 'submit');
			}
			if (fault && (await applyFault(fault, res))) return;
			fault = undefined;

			switch (route) {
				case 'submit':
					return await handleSubmit(body, res, fault);
				case 'generate':
					return await handleSubmit(body, res, fault, false);
				case 'result':
					return handleResult(url.pathname, res);
				case 'ticket':
					return handleTicket(body, res);
				case 'legacyUpload':
					return handleLegacyUpload(req, body, res);
				case 'balance':
					return send(res, 200, { balance: fake.account.balanceUsd });
				case 'webhookSecret':
					return send(res, 200, { secret: fake.callbacks.secret });
				case 'models':
					return answerCatalogue(res, fake.url, fake.catalogue);
				case 'price':
				case 'pricing':
					return answerQuote(res, route, parseJson(body), fake.catalogue);
				case 'model':
					return await handleSubmit(body, res, fault, false, model);
				case 'history':
					return answerHistory(res, parseJson(body), fake.tasks.values(), (task) => ({ ...taskJson(task, Date.now()), ...(fake.history.withoutInputs ? {} : { input: task.request }) }), fake.history);
				case 'put':
					return handlePut(req, url.pathname, body, res);
				case 'media': {
					const upload = uploads.get(url.pathname.split('/')[2]);
					return handleFile(res, upload?.bytes, upload?.contentType ?? '');
				}
				case 'download':
					return handleDownload(url.pathname, res);
				default:
					return send(res, 404, null, 'Not Found');
			}
		})().catch((error: Error) => {
			if (!res.headersSent) send(res, 500, null, `fake server error: ${error.message}`);
		});
	});
	server.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	// A 1,000-task batch connects a thousand polls at once: past the default backlog (511) connections wait for SYN
	// retries (1 s, 3 s) and the benchmark would time the queue, not the node.
	await new Promise<void>((resolve) => server.listen({ port, host, backlog: 4096 }, () => resolve()));
	const address = server.address() as AddressInfo;
	fake.url = `http://${host}:${address.port}`;
	return fake;
}
