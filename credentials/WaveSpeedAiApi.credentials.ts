import type {
	ICredentialDataDecryptedObject,
	ICredentialTestRequest,
	ICredentialType,
	IHttpRequestOptions,
	INodeProperties,
} from 'n8n-workflow';

import { ALLOWED_BASE_URL_PATTERN, DEFAULT_BASE_URL } from '../nodes/WaveSpeed/transport/baseUrl';

/**
 * Where the credential test goes instead of a Base URL the key may not be sent to: a reserved name that resolves
 * nowhere, so the test fails without sending anything (n8n's declarative test can only report the error's code; the
 * notice under the field says why).
 */
export const REFUSED_BASE_URL_TARGET = 'https://base-url-must-use-https.invalid';

const REDIRECT_MESSAGE =
	'The Base URL answered with a redirect. WaveSpeed requests never follow redirects (the key would go along to ' +
	'wherever it points): enter the address it redirects to.';

export class WaveSpeedAiApi implements ICredentialType {
	name = 'waveSpeedAiApi';

	displayName = 'WaveSpeed AI API';

	icon = { light: 'file:wavespeed.svg', dark: 'file:wavespeed.dark.svg' } as const;

	documentationUrl = 'https://wavespeed.ai/docs';

	properties: INodeProperties[] = [
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			required: true,
			default: '',
			description: 'Your key from wavespeed.ai → API Keys. It works after the account\'s first top-up.',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://api.wavespeed.ai',
			description: 'Change only for a proxy, a regional gateway or a local test server',
		},
		{
			displayName:
				'The Base URL must start with https:// (http:// only for localhost or a private address): the key would otherwise cross the network in clear text',
			name: 'baseUrlNotice',
			type: 'notice',
			default: '',
			displayOptions: { show: { baseUrl: [{ _cnd: { regex: `^(?!\\s*$)(?!${ALLOWED_BASE_URL_PATTERN.slice(1)})` } }] } },
		},
	];

	// A function, not the declarative `=Bearer {{$credentials.apiKey}}`: n8n 2.x evaluates such an expression in its
	// sandboxed expression engine on every request, about 1 ms of n8n's CPU each, which a wide batch multiplies by its
	// polls. The header is the same either way.
	authenticate = async (credentials: ICredentialDataDecryptedObject, requestOptions: IHttpRequestOptions): Promise<IHttpRequestOptions> => ({
		...requestOptions,
		headers: { ...requestOptions.headers, Authorization: `Bearer ${String(credentials.apiKey ?? '')}` },
	});

	// The balance endpoint is free and has no side effects. Like every API call of the node, the test follows no
	// redirect and sends the key only to an allowed Base URL.
	test: ICredentialTestRequest = {
		request: {
			// An emptied (or blank) Base URL means WaveSpeed's own, as in the node (transport/baseUrl.ts readBaseUrl).
			baseURL:
				`={{ !String($credentials.baseUrl || "").trim() ? "${DEFAULT_BASE_URL}" ` +
				`: new RegExp(${JSON.stringify(ALLOWED_BASE_URL_PATTERN)}, "i").test($credentials.baseUrl) ` +
				`? $credentials.baseUrl.trim().replace(/\\/+$/, "") : "${REFUSED_BASE_URL_TARGET}" }}`,
			url: '/api/v3/balance',
			method: 'GET',
			disableFollowRedirect: true,
			sendCredentialsOnCrossOriginRedirect: false,
		},
		rules: [301, 302, 303, 307, 308].map((value) => ({
			type: 'responseCode' as const,
			properties: { value, message: REDIRECT_MESSAGE },
		})),
	};
}
