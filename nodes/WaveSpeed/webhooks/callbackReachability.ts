/**
 * Whether WaveSpeed can call a callback URL back. The real API calls only public https URLs (its docs say so): any
 * other URL is accepted at submit and never called, so a wait would run to its Timeout with the task paid. A Base URL
 * on this machine or a private network (a local gateway, a test server) may call anything, so nothing is refused there.
 */
import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { readCredential } from '../transport/credential';
import { DEFAULT_BASE_URL, isLocalUrl } from '../transport/baseUrl';

/** Why WaveSpeed at `apiBaseUrl` cannot call `callbackUrl`, or undefined when it can. Pure. */
export function whyWaveSpeedCannotCall(callbackUrl: string, apiBaseUrl: string): string | undefined {
	if (isLocalUrl(apiBaseUrl.trim() || DEFAULT_BASE_URL)) return undefined;
	let url: URL;
	try {
		url = new URL(callbackUrl.trim());
	} catch {
		return 'is not a URL';
	}
	if (isLocalUrl(url.href)) return `(${url.origin}) is on this machine or a private network, which WaveSpeed cannot reach`;
	if (url.protocol !== 'https:') return `(${url.origin}) is not https, and WaveSpeed calls only public https URLs`;
	return undefined;
}

/** The credential's Base URL for this item (the default when empty). */
export async function readApiBaseUrl(ctx: IExecuteFunctions, itemIndex: number): Promise<string> {
	const credentials = (await readCredential(ctx, itemIndex)).data ?? {};
	return String(credentials.baseUrl || DEFAULT_BASE_URL);
}

/** Refuses an item's own Callback URL that WaveSpeed could not call, before anything is sent or billed. */
export async function assertCallbackUrlReachable(ctx: IExecuteFunctions, callbackUrl: string | undefined, itemIndex: number): Promise<void> {
	if (!callbackUrl) return;
	const problem = whyWaveSpeedCannotCall(callbackUrl, await readApiBaseUrl(ctx, itemIndex));
	if (!problem) return;
	throw new NodeOperationError(ctx.getNode(), `The Callback URL ${problem} [item ${itemIndex}, parameter "Callback URL"]`, {
		itemIndex,
		description:
			'WaveSpeed would accept the task and never call this URL. Use a public https URL, such as the Production URL ' +
			'of a WaveSpeed Trigger with n8n\'s WEBHOOK_URL set to its public https address.',
	});
}
