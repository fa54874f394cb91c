import type { IWebhookFunctions } from 'n8n-workflow';

import { apiRequest } from '../transport';
import type { CallbackHeaders } from './signature';
import { checkCallbackSignature } from './signature';

const SECRET_TTL_MS = 5 * 60_000;
/** The account's webhook secret, by credential, for a few minutes: one read per burst of callbacks, not per call. */
const secrets = new Map<string, { secret: string; fetchedAtMs: number }>();

async function fetchSecret(ctx: IWebhookFunctions): Promise<string> {
	const data = await apiRequest<{ secret?: unknown }>(ctx, { method: 'GET', path: '/api/v3/webhook/secret', kind: 'read', itemIndex: 0 });
	if (typeof data.secret !== 'string' || !data.secret) throw new Error('WaveSpeed sent no webhook secret');
	return data.secret;
}

/**
 * Why the request is not a genuine WaveSpeed callback (see ./signature), or undefined when it is. The secret is read
 * with the node's credential; a mismatch with a cached one reads it again once (the account may have rotated it).
 */
export async function checkCallback(ctx: IWebhookFunctions, headers: CallbackHeaders, rawBody: Buffer): Promise<string | undefined> {
	const key = ctx.getNode().credentials?.wavespeedApi?.id ?? ctx.getNode().name;
	const cached = secrets.get(key);
	const fresh = !cached || Date.now() - cached.fetchedAtMs > SECRET_TTL_MS;
	const secret = fresh ? await fetchSecret(ctx) : cached.secret;
	if (fresh) secrets.set(key, { secret, fetchedAtMs: Date.now() });
	const problem = checkCallbackSignature(headers, rawBody, secret);
	if (!problem || fresh || problem.includes('5 minutes') || problem.includes('missing')) return problem;
	const rotated = await fetchSecret(ctx);
	secrets.set(key, { secret: rotated, fetchedAtMs: Date.now() });
	return checkCallbackSignature(headers, rawBody, rotated);
}

/** The exact bytes WaveSpeed signed: n8n keeps them as `rawBody` once it has parsed a body. */
export async function readRawBody(ctx: IWebhookFunctions): Promise<Buffer | undefined> {
	const request = ctx.getRequestObject() as ReturnType<IWebhookFunctions['getRequestObject']> & {
		rawBody?: Buffer;
		readRawBody?: () => Promise<void>;
	};
	if (!request.rawBody && typeof request.readRawBody === 'function') await request.readRawBody();
	return Buffer.isBuffer(request.rawBody) && request.rawBody.length > 0 ? request.rawBody : undefined;
}
