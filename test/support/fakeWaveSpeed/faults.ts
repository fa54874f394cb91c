/**
 * Fault switches of the local WaveSpeed server: which requests misbehave and how (statuses, resets, broken JSON,
 * delays, redirects, bodies that stall, replies that are not what was asked for). Only node: built-ins, and only
 * erasable TypeScript, so Node 24 can run it as is.
 */
import type { ServerResponse } from 'node:http';

import { makePlaceholderPng } from '../placeholderPng.ts';

export type Route =
	| 'submit'
	| 'generate'
	| 'result'
	| 'ticket'
	| 'legacyUpload'
	| 'balance'
	| 'webhookSecret'
	| 'models'
	| 'price'
	| 'pricing'
	| 'model'
	| 'history'
	| 'put'
	| 'media'
	| 'download'
	| 'unknown';

export const API_ROUTES: Route[] = ['submit', 'generate', 'result', 'ticket', 'legacyUpload', 'balance', 'webhookSecret', 'models', 'price', 'pricing', 'model', 'history'];

export interface FaultRule {
	/** Which requests: a route, every /api/v3 route ('api'), or everything ('any'). */
	route: Route | 'api' | 'any';
	/**
	 * 'stall': a 200 image/png whose body stops after `stallAfterBytes` and never ends (a CDN that hangs mid-body).
	 * 'reply': answers `status` (200) with `body` as `contentType`, as it is (an S3 AccessDenied page, an SVG).
	 */
	kind: 'status' | 'reset' | 'brokenJson' | 'delay' | 'redirect' | 'stall' | 'reply';
	/** For 'redirect': where the 302 points. */
	location?: string;
	status?: number;
	retryAfterSeconds?: number;
	message?: string;
	delayMs?: number;
	/** For 'stall': how much of a PNG is sent before the body stops (100 bytes by default). */
	stallAfterBytes?: number;
	/** For 'reply'. */
	contentType?: string;
	body?: string | Buffer;
	/** For 'reply': send this many bytes of the body, then the rest 200 ms later (a client that reads at once gets them alone first). */
	firstChunkBytes?: number;
	/** For 'stall' and 'reply': the Content-Length to declare, or 'none' for a chunked body of unknown length. */
	contentLength?: number | 'none';
	/** Hit every Nth matching request (1: all of them). */
	every?: number;
	/** Stop after this many hits. */
	times?: number;
	seen?: number;
	hits?: number;
}

export function pickFault(faults: FaultRule[], route: Route): FaultRule | undefined {
	for (const rule of faults) {
		const matches = rule.route === route || rule.route === 'any' || (rule.route === 'api' && API_ROUTES.includes(route));
		if (!matches) continue;
		rule.seen = (rule.seen ?? 0) + 1;
		if (rule.times !== undefined && (rule.hits ?? 0) >= rule.times) continue;
		if (rule.seen % (rule.every ?? 1) !== 0) continue;
		rule.hits = (rule.hits ?? 0) + 1;
		return rule;
	}
	return undefined;
}

/** Answers a JSON envelope as WaveSpeed does: `{code, message, data}`, data null on errors. */
export function sendEnvelope(
	res: ServerResponse,
	status: number,
	data: unknown,
	message = 'success',
	headers: Record<string, string> = {},
): void {
	const body = JSON.stringify({ code: status, message, data: status >= 400 ? null : data });
	res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
	res.end(body);
}

/** Answers with the fault; false when the fault was only a delay and the request should go on. */
export async function applyFault(rule: FaultRule, res: ServerResponse): Promise<boolean> {
	if (rule.kind === 'delay') {
		// Unref'd: a reply still delayed when the server closes (a delay far beyond the test's limit) does not keep jest alive.
		await new Promise((resolve) => setTimeout(resolve, rule.delayMs ?? 1000).unref());
		return false;
	}
	if (rule.kind === 'redirect') {
		res.writeHead(302, { Location: rule.location ?? '/' });
		res.end();
		return true;
	}
	if (rule.kind === 'reset') {
		if (rule.delayMs) await new Promise((resolve) => setTimeout(resolve, rule.delayMs).unref());
		res.socket?.destroy();
		return true;
	}
	if (rule.kind === 'brokenJson') {
		res.writeHead(200, { 'Content-Type': 'application/json' });
		res.end('{"code":200,"message":"success","data":{"id":');
		return true;
	}
	if (rule.kind === 'stall') {
		const png = makePlaceholderPng({ seed: 'stalled download' });
		res.writeHead(200, { 'Content-Type': 'image/png', ...lengthHeader(rule.contentLength ?? png.length) });
		// The socket stays open until the client gives up (or the server closes).
		res.write(png.subarray(0, rule.stallAfterBytes ?? 100));
		return true;
	}
	if (rule.kind === 'reply') {
		const body = Buffer.from(rule.body ?? '');
		const headers = { ...(rule.contentType ? { 'Content-Type': rule.contentType } : {}), ...lengthHeader(rule.contentLength ?? body.length) };
		res.writeHead(rule.status ?? 200, headers);
		if (rule.firstChunkBytes !== undefined) {
			res.write(body.subarray(0, rule.firstChunkBytes));
			await new Promise((resolve) => setTimeout(resolve, 200).unref());
		}
		res.end(rule.firstChunkBytes === undefined ? body : body.subarray(rule.firstChunkBytes));
		return true;
	}
	const status = rule.status ?? 500;
	const headers: Record<string, string> =
		rule.retryAfterSeconds !== undefined ? { 'Retry-After': String(rule.retryAfterSeconds) } : {};
	sendEnvelope(res, status, null, rule.message ?? (status === 429 ? 'Too many requests' : 'Internal server error'), headers);
	return true;
}

function lengthHeader(contentLength: number | 'none'): Record<string, string> {
	return contentLength === 'none' ? {} : { 'Content-Length': String(contentLength) };
}
