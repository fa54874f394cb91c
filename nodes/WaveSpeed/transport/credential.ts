import type { ICredentialsDecrypted, IExecuteFunctions } from 'n8n-workflow';

import type { ApiContext } from './context';

export const CREDENTIAL_TYPE = 'waveSpeedAiApi';

/**
 * The credential, read once per node run (or webhook call) instead of once per request. Each getCredentials() call
 * makes n8n read the credential from its database, decrypt it and resolve its fields, and httpRequestWithAuthentication
 * makes one more unless it is handed the decrypted credential: in n8n 2.40.7 that was about 1.2 ms of n8n's CPU a
 * call, four calls an item (cost estimate, submit, poll, and the helper's own), the largest part of what a wide batch
 * costs n8n beyond its own work (docs/running-at-scale.md). Read without an item index, as n8n's helper reads it: the
 * credential is the node's (a field written as an expression of item data takes the first item's value; README says
 * so). Before, the submit read it per item and the polls as the first item: a second account's task could not be polled.
 */
const perContext = new WeakMap<object, Promise<ICredentialsDecrypted>>();

export async function readCredential(ctx: ApiContext, itemIndex: number): Promise<ICredentialsDecrypted> {
	let read = perContext.get(ctx);
	if (!read) {
		read = decrypt(ctx);
		perContext.set(ctx, read);
		// A failed read is not kept: the next caller asks again.
		read.catch(() => perContext.get(ctx) === read && perContext.delete(ctx));
	}
	// Where the shared read fails, the item asks for itself, so its error is its own (names its item).
	return await read.catch(async () => await decrypt(ctx, itemIndex));
}

async function decrypt(ctx: ApiContext, itemIndex?: number): Promise<ICredentialsDecrypted> {
	const data = await (ctx as IExecuteFunctions).getCredentials(CREDENTIAL_TYPE, itemIndex);
	const reference = ctx.getNode().credentials?.[CREDENTIAL_TYPE];
	return { id: reference?.id ?? '', name: reference?.name ?? '', type: CREDENTIAL_TYPE, data };
}
