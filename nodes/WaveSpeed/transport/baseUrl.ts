/**
 * Which Base URLs may carry the API key: https anywhere; plain http only to this machine or a private network (a
 * local gateway, a test server), where the key does not cross the internet in clear text. One pattern, used both
 * here (every request) and inside the credential's test expression, so both always agree.
 */
import type { ICredentialDataDecryptedObject, IDataObject } from 'n8n-workflow';
import type { ApiContext } from './context';
import { NodeOperationError } from 'n8n-workflow';

export const DEFAULT_BASE_URL = 'https://api.wavespeed.ai';

const IPV4_PRIVATE = String.raw`127(?:\.\d{1,3}){3}|10(?:\.\d{1,3}){3}|192\.168(?:\.\d{1,3}){2}|172\.(?:1[6-9]|2\d|3[01])(?:\.\d{1,3}){2}|169\.254(?:\.\d{1,3}){2}`;
const IPV6_PRIVATE = String.raw`\[(?:::1|f[cd][0-9a-f]{0,2}:[0-9a-f:.]*|fe[89ab][0-9a-f]?:[0-9a-f:.]*)\]`;
/** A name without dots is a machine on the local network (a Docker service name, say). */
const LOCAL_NAME = String.raw`localhost|[a-z0-9-]+\.localhost|[a-z0-9](?:[a-z0-9-]*[a-z0-9])?`;

/** Source of a case-insensitive RegExp matching the Base URLs the key may be sent to. */
export const ALLOWED_BASE_URL_PATTERN = String.raw`^\s*(?:https://|http://(?:${LOCAL_NAME}|${IPV4_PRIVATE}|${IPV6_PRIVATE})(?::\d+)?(?:[/?#]|\s*$))`;

const ALLOWED_BASE_URL = new RegExp(ALLOWED_BASE_URL_PATTERN, 'i');

export function isAllowedBaseUrl(baseUrl: string): boolean {
	return ALLOWED_BASE_URL.test(baseUrl);
}

const LOCAL_URL = new RegExp(String.raw`^\s*https?://(?:${LOCAL_NAME}|${IPV4_PRIVATE}|${IPV6_PRIVATE})(?::\d+)?(?:[/?#]|\s*$)`, 'i');

/** Whether a URL names this machine or a private network: a public service such as WaveSpeed cannot reach it. */
export function isLocalUrl(url: string): boolean {
	return LOCAL_URL.test(url);
}

export function describeRefusedBaseUrl(baseUrl: string): string {
	return (
		`The credential's Base URL "${baseUrl}" must start with https:// (http:// only for localhost or a private ` +
		'address, such as a local gateway): the API key would otherwise cross the network in clear text'
	);
}

/** The credential's Base URL without trailing slashes, or an error for the item if the key may not go there. */
export function readBaseUrl(
	ctx: ApiContext,
	credentials: ICredentialDataDecryptedObject | IDataObject,
	itemIndex: number,
): string {
	// Emptied or blank: WaveSpeed's own (the credential test does the same).
	const configured = String(credentials.baseUrl ?? '').trim();
	const baseUrl = configured ? configured.replace(/\/+$/, '') : DEFAULT_BASE_URL;
	if (!isAllowedBaseUrl(baseUrl)) {
		throw new NodeOperationError(ctx.getNode(), describeRefusedBaseUrl(baseUrl), {
			itemIndex,
			description: 'Edit the "WaveSpeed AI API" credential: use https://api.wavespeed.ai or your gateway\'s https address.',
		});
	}
	return baseUrl;
}
