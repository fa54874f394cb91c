/**
 * A local, scripted stand-in for the OpenAI API, as n8n's "OpenAI Chat Model" node (lmChatOpenAi) calls it in n8n
 * 2.40.7 with "Use Responses API" off: `POST {base}/chat/completions` through LangChain's ChatOpenAI and the openai
 * SDK (non-streaming unless the caller sets `stream: true`, which is answered as server-sent events too). Point the
 * `openAiApi` credential's Base URL (`url`) at `fake.url`, which ends in /v1 like the real one.
 *
 * Each chat request takes the next turn of the script: a tool call (to a named tool, or to the first tool the request
 * offers) or a final text answer, which may be computed from the request (for example to quote the tool's result).
 * Every request is recorded with its parsed body, so a test can read what the tools sent back to the model.
 * Only node: built-ins, and only erasable TypeScript, so Node 24 can run it as is.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface ChatToolCall {
	id: string;
	type: 'function';
	function: { name: string; arguments: string };
}

export interface ChatMessage {
	role: 'system' | 'developer' | 'user' | 'assistant' | 'tool' | string;
	content?: string | Array<{ type: string; text?: string }> | null;
	tool_calls?: ChatToolCall[];
	tool_call_id?: string;
	name?: string;
}

export interface ChatTool {
	type: 'function' | string;
	function: { name: string; description?: string; parameters?: Record<string, unknown>; strict?: boolean };
}

export interface ChatCompletionRequest {
	model: string;
	messages: ChatMessage[];
	tools?: ChatTool[];
	tool_choice?: unknown;
	stream?: boolean;
	stream_options?: { include_usage?: boolean };
	[key: string]: unknown;
}

/** One scripted answer: call tools, or answer in text (a function gets the request it answers). */
export type ScriptedTurn =
	| { toolCalls: Array<{ name?: string; arguments: Record<string, unknown> }> }
	| { content: string | ((request: ChatCompletionRequest) => string) };

export interface AssistantReply {
	role: 'assistant';
	content: string | null;
	tool_calls?: ChatToolCall[];
}

export interface RecordedOpenAiRequest {
	method: string;
	path: string;
	headers: Record<string, string | string[] | undefined>;
	/** The parsed JSON body, or the raw text when it is not JSON (undefined when empty). */
	body: unknown;
	atMs: number;
	/** What the fake answered: its HTTP status, and its JSON body (for a stream: the message the events carried). */
	status?: number;
	response?: unknown;
}

export interface FakeOpenAiOptions {
	apiKey: string;
	/** What GET /v1/models lists. */
	models: string[];
	script: ScriptedTurn[];
}

export interface FakeOpenAi {
	/** The base URL to put in the credential: `http://127.0.0.1:<port>/v1`. */
	url: string;
	options: FakeOpenAiOptions;
	requests: RecordedOpenAiRequest[];
	/** The bodies of the chat completion requests, in order. */
	chatRequests(): ChatCompletionRequest[];
	/** The assistant messages the fake answered them with, in order (tool calls with their ids, or text). */
	replies(): AssistantReply[];
	/** Clears the recorded requests and restarts the script (a new one if given) and the ids. */
	reset(script?: ScriptedTurn[]): void;
	close(): Promise<void>;
}

/** The tool results a request carries back to the model (role "tool" messages), in order. */
export function toolResults(request: ChatCompletionRequest): Array<{ toolCallId?: string; content: string }> {
	return request.messages
		.filter((message) => message.role === 'tool')
		.map((message) => ({ toolCallId: message.tool_call_id, content: messageText(message) }));
}

/** A message's text, whether its content is a string or a list of text parts. */
export function messageText(message: ChatMessage): string {
	if (typeof message.content === 'string') return message.content;
	if (Array.isArray(message.content)) return message.content.map((part) => part.text ?? '').join('');
	return '';
}

export async function startFakeOpenAi(
	overrides: Partial<FakeOpenAiOptions> = {},
	port = 0,
	host = '127.0.0.1',
): Promise<FakeOpenAi> {
	const options: FakeOpenAiOptions = { apiKey: 'sk-test-fake-openai', models: ['gpt-4o-mini'], script: [], ...overrides };
	const sockets = new Set<Socket>();
	let turn = 0;
	let sequence = 0;

	const fake: FakeOpenAi = {
		url: '',
		options,
		requests: [],
		chatRequests: () =>
			fake.requests
				.filter((request) => request.method === 'POST' && /\/chat\/completions$/.test(request.path))
				.map((request) => request.body as ChatCompletionRequest),
		replies: () =>
			fake.requests
				.map((request) => (request.response as { choices?: Array<{ message?: AssistantReply }> } | undefined)?.choices?.[0]?.message)
				.filter((message): message is AssistantReply => message !== undefined),
		reset(script) {
			fake.requests.length = 0;
			turn = 0;
			sequence = 0;
			if (script) options.script = script;
		},
		close: async () =>
			await new Promise<void>((resolve) => {
				for (const socket of sockets) socket.destroy();
				server.close(() => resolve());
			}),
	};

	const sendJson = (res: ServerResponse, record: RecordedOpenAiRequest, status: number, data: unknown) => {
		record.status = status;
		record.response = data;
		res.writeHead(status, { 'Content-Type': 'application/json' });
		res.end(JSON.stringify(data));
	};

	/** OpenAI's error shape. 4xx, so the openai SDK does not retry (a retry would take the next scripted turn). */
	const sendError = (res: ServerResponse, record: RecordedOpenAiRequest, status: number, message: string, code: string | null = null) =>
		sendJson(res, record, status, { error: { message, type: 'invalid_request_error', param: null, code } });

	const answerChat = (res: ServerResponse, record: RecordedOpenAiRequest) => {
		const request = record.body as ChatCompletionRequest | undefined;
		if (!request || typeof request !== 'object' || !Array.isArray(request.messages)) {
			sendError(res, record, 400, 'fake OpenAI server: the body is not a chat completion request');
			return;
		}
		const step = options.script[turn];
		if (!step) {
			sendError(res, record, 400, `fake OpenAI server: no scripted reply left for chat request #${turn + 1}`);
			return;
		}
		turn += 1;
		const id = `chatcmpl-fake-${++sequence}`;
		let message: AssistantReply;
		if ('toolCalls' in step) {
			const offered = (request.tools ?? []).filter((tool) => tool.type === 'function').map((tool) => tool.function.name);
			const calls: ChatToolCall[] = [];
			for (const [index, call] of step.toolCalls.entries()) {
				const name = call.name ?? offered[0];
				if (!name || !offered.includes(name)) {
					sendError(res, record, 400, `fake OpenAI server: the request offers no tool "${name ?? '(any)'}"; it offers: ${offered.join(', ') || 'none'}`);
					return;
				}
				calls.push({ id: `call_fake_${sequence}_${index}`, type: 'function', function: { name, arguments: JSON.stringify(call.arguments) } });
			}
			message = { role: 'assistant', content: null, tool_calls: calls };
		} else {
			message = { role: 'assistant', content: typeof step.content === 'function' ? step.content(request) : step.content };
		}
		const finishReason = message.tool_calls ? 'tool_calls' : 'stop';
		const promptTokens = Math.ceil(JSON.stringify(request.messages).length / 4);
		const completionTokens = Math.ceil(JSON.stringify(message).length / 4);
		const usage = { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
		const created = Math.floor(Date.now() / 1000);
		const model = request.model;

		if (request.stream !== true) {
			sendJson(res, record, 200, {
				id,
				object: 'chat.completion',
				created,
				model,
				choices: [{ index: 0, message: { ...message, refusal: null }, logprobs: null, finish_reason: finishReason }],
				usage,
				system_fingerprint: 'fp_fake',
			});
			return;
		}

		// Server-sent events, as the real API streams: role, then content or tool calls, then the finish, then [DONE].
		record.status = 200;
		record.response = { id, object: 'chat.completion', created, model, choices: [{ index: 0, message, finish_reason: finishReason }], usage };
		res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
		const chunk = (delta: Record<string, unknown>, finish: string | null, extra: Record<string, unknown> = {}) =>
			res.write(
				`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...extra })}\n\n`,
			);
		chunk({ role: 'assistant', content: message.tool_calls ? null : '' }, null);
		if (message.tool_calls) {
			for (const [index, call] of message.tool_calls.entries()) {
				chunk({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }] }, null);
				chunk({ tool_calls: [{ index, function: { arguments: call.function.arguments } }] }, null);
			}
		} else if (message.content) {
			chunk({ content: message.content }, null);
		}
		chunk({}, finishReason);
		if (request.stream_options?.include_usage) {
			res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [], usage })}\n\n`);
		}
		res.end('data: [DONE]\n\n');
	};

	const handle = (req: IncomingMessage, res: ServerResponse, raw: Buffer) => {
		const path = new URL(req.url ?? '/', 'http://localhost').pathname;
		const text = raw.toString('utf8');
		let body: unknown = undefined;
		if (text.length > 0) {
			try {
				body = JSON.parse(text);
			} catch {
				body = text;
			}
		}
		const record: RecordedOpenAiRequest = { method: req.method ?? 'GET', path, headers: req.headers, body, atMs: Date.now() };
		fake.requests.push(record);

		if (req.headers.authorization !== `Bearer ${options.apiKey}`) {
			sendError(res, record, 401, 'Incorrect API key provided (fake OpenAI server).', 'invalid_api_key');
			return;
		}
		const route = path.replace(/^\/v1(?=\/)/, '');
		if (req.method === 'POST' && route === '/chat/completions') {
			answerChat(res, record);
		} else if (req.method === 'GET' && route === '/models') {
			sendJson(res, record, 200, {
				object: 'list',
				data: options.models.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'fake-openai' })),
			});
		} else if (req.method === 'POST' && route === '/responses') {
			sendError(res, record, 404, 'fake OpenAI server: the Responses API is not implemented; turn "Use Responses API" off');
		} else {
			sendError(res, record, 404, `fake OpenAI server: no route ${req.method} ${path}`);
		}
	};

	const server = createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => handle(req, res, Buffer.concat(chunks)));
	});
	server.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	await new Promise<void>((resolve) => server.listen(port, host, resolve));
	fake.url = `http://${host}:${(server.address() as AddressInfo).port}/v1`;
	return fake;
}
