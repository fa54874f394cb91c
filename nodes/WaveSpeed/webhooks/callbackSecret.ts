/**
 * The account's webhook secret, fetched with the credential and kept in this process for a few minutes, and the check
 * of a callback against it: one mechanism for both receivers of WaveSpeed's callbacks (a waiting execution's resume
 * URL, the WaveSpeed Trigger). The secret is never logged or output.
 */
import type { IWebhookFunctions } from 'n8n-workflow';

import { CREDENTIAL_TYPE, apiRequest } from '../transport';
import type { CallbackHeaders } from './signature';
import { checkCallbackSignature } from './signature';

/** How long a fetched secret is used before it is fetched again. */
export const SECRET_TTL_MS = 5 * 60_000;
/**
 * After a signature that does not match, the secret is fetched again (it may have been rotated), but not more often
 * than this: a stream of forged calls must not become a stream of API calls.
 */
export const MIN_REFETCH_INTERVAL_MS = 30_000;

export const SIGNATURE_MISMATCH = 'the signature does not match';

interface CachedSecret {
	secret: Promise<string>;
	fetchedAtMs: number;
}

export class SecretCache {
	private readonly entries = new Map<string, CachedSecret>();

	constructor(private readonly ttlMs = SECRET_TTL_MS) {}

	/** The secret for `key`, fetched when none is held or it is older than the TTL. A failed fetch is not kept. */
	async get(key: string, fetchSecret: () => Promise<string>, nowMs: number): Promise<string> {
		const cached = this.entries.get(key);
		if (cached && nowMs - cached.fetchedAtMs < this.ttlMs) return await cached.secret;
		return await this.fetch(key, fetchSecret, nowMs);
	}

	/** A fresh secret if the one held is older than MIN_REFETCH_INTERVAL_MS, else undefined (nothing new to try). */
	async refetch(key: string, fetchSecret: () => Promise<string>, nowMs: number): Promise<string | undefined> {
		const cached = this.entries.get(key);
		if (cached && nowMs - cached.fetchedAtMs < MIN_REFETCH_INTERVAL_MS) return undefined;
		return await this.fetch(key, fetchSecret, nowMs);
	}

	forget(key: string): void {
		this.entries.delete(key);
	}

	private async fetch(key: string, fetchSecret: () => Promise<string>, nowMs: number): Promise<string> {
		// Shared by calls that arrive while it runs: one fetch for a burst of callbacks.
		const entry: CachedSecret = { secret: fetchSecret(), fetchedAtMs: nowMs };
		this.entries.set(key, entry);
		// A failed fetch is not kept: the next call tries again (the caller sees the failure through the await).
		entry.secret.catch(() => {
			if (this.entries.get(key) === entry) this.entries.delete(key);
		});
		return await entry.secret;
	}
}

/**
 * Why the callback must be refused, or undefined when it is WaveSpeed's: checked with the held secret, and once more
 * with a freshly fetched one when only the signature failed (a rotated secret).
 */
export async function verifyCallback(
	headers: CallbackHeaders,
	rawBody: Buffer,
	secrets: { current(): Promise<string>; refetched(): Promise<string | undefined> },
	nowMs: number,
): Promise<string | undefined> {
	const problem = checkCallbackSignature(headers, rawBody, await secrets.current(), nowMs);
	if (problem !== SIGNATURE_MISMATCH) return problem;
	const fresh = await secrets.refetched();
	return fresh === undefined ? problem : checkCallbackSignature(headers, rawBody, fresh, nowMs);
}

/** Where third parties have seen the secret in the reply's data (the shape is not documented by WaveSpeed). */
const SECRET_FIELDS = ['secret', 'webhook_secret', 'webhookSecret', 'signing_secret'] as const;
/** A secret is one token of printable characters; a sentence or an HTML page is not one. */
const SECRET_TEXT = /^[A-Za-z0-9_\-+/=.:]{8,512}$/;

/**
 * The secret from `GET /api/v3/webhook/secret`'s data, read leniently (data.secret, data.webhook_secret, a bare string,
 * one level of nesting) but checked: an empty or garbage value is refused, since every callback would then fail.
 */
export function readSecret(data: unknown): string {
	const secret = findSecret(data, 0);
	if (secret === undefined) throw new Error('WaveSpeed answered the webhook secret request without a secret');
	return secret;
}

function findSecret(value: unknown, depth: number): string | undefined {
	if (typeof value === 'string') return SECRET_TEXT.test(value.trim()) ? value.trim() : undefined;
	if (!value || typeof value !== 'object' || Array.isArray(value) || depth > 1) return undefined;
	const record = value as Record<string, unknown>;
	for (const field of SECRET_FIELDS) {
		const found = typeof record[field] === 'string' ? findSecret(record[field], depth) : undefined;
		if (found !== undefined) return found;
	}
	// e.g. data: {data: {secret}} or data: {webhook: {secret}}
	for (const nested of Object.values(record)) {
		const found = nested && typeof nested === 'object' ? findSecret(nested, depth + 1) : undefined;
		if (found !== undefined) return found;
	}
	return undefined;
}

// acceptBareReply: a top-level {secret} without the envelope is read too (the shape is known only from third parties).
const SECRET_REQUEST = { method: 'GET', path: '/api/v3/webhook/secret', kind: 'read', itemIndex: 0, timeoutMs: 10_000, acceptBareReply: true } as const;
/** The secret is fetched while WaveSpeed's call waits: retries included, it gives up well before the caller does. */
const SECRET_FETCH_LIMIT_MS = 20_000;

// This process's memory, shared by every node that receives callbacks.
const secrets = new SecretCache();

/** The secret belongs to the account: one per credential. */
export function secretKeyOf(ctx: Pick<IWebhookFunctions, 'getNode'>): string {
	return ctx.getNode().credentials?.[CREDENTIAL_TYPE]?.id ?? `node:${ctx.getNode().id}`;
}

export function forgetSecret(key: string): void {
	secrets.forget(key);
}

/**
 * Why this call is not WaveSpeed's, or undefined when it is, checked with the account's secret read with the node's
 * credential. Throws when the secret cannot be read (nothing can be verified then).
 */
export async function checkCallback(ctx: IWebhookFunctions, rawBody: Buffer, nowMs = Date.now()): Promise<string | undefined> {
	const key = secretKeyOf(ctx);
	const fetchSecret = async () => readSecret(await apiRequest(ctx, { ...SECRET_REQUEST, deadlineMs: Date.now() + SECRET_FETCH_LIMIT_MS }));
	return await verifyCallback(
		ctx.getHeaderData() as CallbackHeaders,
		rawBody,
		{ current: async () => await secrets.get(key, fetchSecret, nowMs), refetched: async () => await secrets.refetch(key, fetchSecret, nowMs) },
		nowMs,
	);
}

/** The exact bytes WaveSpeed signed. n8n reads them before it parses a JSON body (req.rawBody, n8n 1.x and 2.x). */
export async function readRawBody(ctx: IWebhookFunctions): Promise<Buffer | undefined> {
	const request = ctx.getRequestObject();
	if (!Buffer.isBuffer(request.rawBody) && typeof request.readRawBody === 'function') await request.readRawBody();
	return Buffer.isBuffer(request.rawBody) && request.rawBody.length > 0 ? request.rawBody : undefined;
}
