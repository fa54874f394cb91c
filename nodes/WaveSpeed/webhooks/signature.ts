import { createHmac, timingSafeEqual } from 'node:crypto';

/** WaveSpeed refuses a callback older or newer than this (replays): the same window on our side. */
export const MAX_CALLBACK_SKEW_MS = 300_000;

/** Request headers, as Node's http module gives them (lower-case names). */
export type CallbackHeaders = Record<string, string | string[] | undefined>;

/**
 * WaveSpeed's signature: hex HMAC-SHA256 of `<webhook-id>.<webhook-timestamp>.<raw body>`, keyed with the account's
 * secret minus its `whsec_` prefix, used as text (not base64-decoded as Standard Webhooks would).
 */
export function signCallback(secret: string, webhookId: string, timestamp: string, rawBody: Buffer | string): string {
	const key = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret;
	const hmac = createHmac('sha256', key).update(`${webhookId}.${timestamp}.`).update(rawBody);
	return `v3,${hmac.digest('hex')}`;
}

/**
 * Why a callback must be refused, or undefined when it is WaveSpeed's: signed with this secret over these exact bytes,
 * and sent within 5 minutes of now. The header may list several signatures (space-separated), as during a secret
 * rotation: one match is enough.
 */
export function checkCallbackSignature(
	headers: CallbackHeaders,
	rawBody: Buffer | string,
	secret: string,
	nowMs = Date.now(),
): string | undefined {
	const [webhookId, timestamp, signatures] = [headers['webhook-id'], headers['webhook-timestamp'], headers['webhook-signature']].map(
		(value) => (Array.isArray(value) ? value[0] : value) ?? '',
	);
	if (!webhookId || !timestamp || !signatures) return 'the webhook-id, webhook-timestamp or webhook-signature header is missing';
	if (!/^\d{1,12}$/.test(timestamp)) return 'the webhook-timestamp header is not a Unix time in seconds';
	if (Math.abs(nowMs - Number(timestamp) * 1000) > MAX_CALLBACK_SKEW_MS) return 'the webhook-timestamp is more than 5 minutes away from now';
	const expected = Buffer.from(signCallback(secret, webhookId, timestamp, rawBody));
	const matches = signatures
		.split(' ')
		.map((signature) => Buffer.from(signature.trim()))
		.some((given) => given.length === expected.length && timingSafeEqual(given, expected));
	return matches ? undefined : 'the signature does not match';
}
