import type {
	IAuthenticateGeneric,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
} from 'n8n-workflow';

export class WavespeedApi implements ICredentialType {
	name = 'wavespeedApi';

	displayName = 'WaveSpeed API';

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
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				Authorization: '=Bearer {{$credentials.apiKey}}',
			},
		},
	};

	// The balance endpoint is free and has no side effects.
	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}',
			url: '/api/v3/balance',
			method: 'GET',
		},
	};
}
