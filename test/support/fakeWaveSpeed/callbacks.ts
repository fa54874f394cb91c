/**
 * WaveSpeed's webhooks, as the local server makes them: when a task submitted with `?webhook=<url>` ends, the
 * prediction is POSTed there, signed (`webhook-id`, `webhook-timestamp`, `webhook-signature: v3,<hex HMAC-SHA256 of
 * id.timestamp.body keyed with the secret minus whsec_>`). Delivery is at least once, as WaveSpeed's: a 5xx or a
 * refused connection is tried again, and prompt tags make a call go missing (`[callback:lost]`) or come twice
 * (`[callback:twice]`). Only node: built-ins, and only erasable TypeScript. Written apart from the node's own check.
 */
import { createHmac, randomUUID } from 'node:crypto';

export interface CallbackRecord {
	taskId: string;
	url: string;
	/** The receiver's HTTP status, or 0 when it could not be reached. */
	status: number;
	/** What the receiver answered, for the tests' messages. */
	reply: string;
	atMs: number;
}

export interface CallbackSender {
	secret: string;
	/** Every call made, in order. */
	sent: CallbackRecord[];
	/** Calls `url` when the task ends (per its prompt tags), with `prediction()` as it is then. */
	schedule(taskId: string, url: string, endsAtMs: number, prompt: string, prediction: () => Record<string, unknown>): void;
	/** Signs and POSTs `body` now, as WaveSpeed would (or with the headers given, to forge one). */
	deliver(url: string, body: string, headers?: Record<string, string>): Promise<{ status: number; reply: string }>;
	/** Headers WaveSpeed would send with `body` at `timestampSeconds` (now by default). */
	sign(body: string, timestampSeconds?: number): Record<string, string>;
	reset(): void;
}

const RETRY_DELAYS_MS = [500, 1_000, 2_000];

export function createCallbackSender(secret = `whsec_${randomUUID().replace(/-/g, '')}`): CallbackSender {
	const timers = new Set<ReturnType<typeof setTimeout>>();
	const later = (ms: number, work: () => void) => {
		const timer = setTimeout(() => {
			timers.delete(timer);
			work();
		}, Math.max(0, ms));
		timers.add(timer);
	};

	const sender: CallbackSender = {
		secret,
		sent: [],
		sign(body, timestampSeconds = Math.floor(Date.now() / 1000)) {
			const id = `msg_${randomUUID()}`;
			const timestamp = String(timestampSeconds);
			const digest = createHmac('sha256', secret.replace(/^whsec_/, '')).update(`${id}.${timestamp}.${body}`).digest('hex');
			return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v3,${digest}` };
		},
		async deliver(url, body, headers = sender.sign(body)) {
			const response = await fetch(url, {
				method: 'POST',
				headers: { 'Content-Type': 'application/json', ...headers },
				body,
				signal: AbortSignal.timeout(120_000),
			}).catch(() => undefined);
			const reply = response ? await response.text().catch(() => '') : 'unreachable';
			return { status: response?.status ?? 0, reply: reply.slice(0, 500) };
		},
		schedule(taskId, url, endsAtMs, prompt, prediction) {
			if (prompt.includes('[callback:lost]')) return;
			const copies = prompt.includes('[callback:twice]') ? 2 : 1;
			const attempt = (tries: number) => {
				const body = JSON.stringify(prediction());
				void sender.deliver(url, body).then(({ status, reply }) => {
					sender.sent.push({ taskId, url, status, reply, atMs: Date.now() });
					const retry = status === 0 || status >= 500;
					if (retry && tries < RETRY_DELAYS_MS.length) later(RETRY_DELAYS_MS[tries], () => attempt(tries + 1));
				});
			};
			for (let copy = 0; copy < copies; copy++) later(endsAtMs - Date.now() + copy * 300, () => attempt(0));
		},
		reset() {
			for (const timer of timers) clearTimeout(timer);
			timers.clear();
			sender.sent.length = 0;
		},
	};
	return sender;
}
