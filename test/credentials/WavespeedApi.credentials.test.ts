import { OutboundHttp } from '@n8n/backend-network';
import { Container } from '@n8n/di';
import type { IDataObject, IHttpRequestOptions, IN8nHttpFullResponse } from 'n8n-workflow';

import { WavespeedApi } from '../../credentials/WavespeedApi.credentials';
import { startFakeWaveSpeed } from '../support/fakeWaveSpeed';
import type { FakeWaveSpeed } from '../support/fakeWaveSpeed';

/** Resolves the credential's `={{ … }}` strings the way n8n does for these simple expressions. */
function resolve(value: string, credentials: IDataObject): string {
	if (!value.startsWith('=')) return value;
	return value.slice(1).replace(/\{\{(.+?)\}\}/g, (_, expression: string) =>
		String(new Function('$credentials', `return (${expression});`)(credentials)),
	);
}

/** What n8n's credential test does: the `test.request` with the `authenticate` headers applied. */
async function runCredentialTest(credentials: IDataObject) {
	const credential = new WavespeedApi();
	const request = credential.test.request;
	const headers = Object.fromEntries(
		Object.entries(credential.authenticate.properties.headers ?? {}).map(([name, value]) => [name, resolve(String(value), credentials)]),
	);
	const options: IHttpRequestOptions = {
		method: request.method ?? 'GET',
		baseURL: resolve(String(request.baseURL), credentials),
		url: String(request.url),
		headers,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		json: true,
	};
	return (await Container.get(OutboundHttp).requests().request(options)) as IN8nHttpFullResponse;
}

describe('WaveSpeed API credential', () => {
	let fake: FakeWaveSpeed;
	beforeAll(async () => {
		fake = await startFakeWaveSpeed();
	});
	afterAll(async () => await fake.close());

	it('has the public names and a password-type key', () => {
		const credential = new WavespeedApi();
		expect(credential.name).toBe('wavespeedApi');
		expect(credential.properties.map((property) => property.name)).toEqual(['apiKey', 'baseUrl']);
		expect(credential.properties[0].typeOptions?.password).toBe(true);
		expect(credential.properties[1].default).toBe('https://api.wavespeed.ai');
	});

	it.each(['', '/', '//'])('passes against GET /api/v3/balance with a good key (base URL suffix "%s")', async (suffix) => {
		fake.requests.length = 0;
		const response = await runCredentialTest({ apiKey: fake.options.apiKey, baseUrl: `${fake.url}${suffix}` });
		expect(response.statusCode).toBe(200);
		expect(JSON.parse(JSON.stringify(response.body))).toMatchObject({ data: { balance: 42.5 } });
		expect(fake.requests.map((request) => [request.method, request.path])).toEqual([['GET', '/api/v3/balance']]);
		expect(fake.requests[0].headers.authorization).toBe(`Bearer ${fake.options.apiKey}`);
	});

	it('fails with 401 for a wrong key', async () => {
		const response = await runCredentialTest({ apiKey: 'wrong', baseUrl: fake.url });
		expect(response.statusCode).toBe(401);
	});
});
