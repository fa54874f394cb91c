import { OutboundHttp } from '@n8n/backend-network';
import { Container } from '@n8n/di';
import type { ICredentialDataDecryptedObject, IDataObject, IHttpRequestOptions, IN8nHttpFullResponse, INode, INodeTypes } from 'n8n-workflow';
import { Workflow } from 'n8n-workflow';

import { REFUSED_BASE_URL_TARGET, WaveSpeedAiApi } from '../../credentials/WaveSpeedAiApi.credentials';
import { NO_DEADLINE, apiRequest } from '../../nodes/WaveSpeed/transport';
import { DEFAULT_BASE_URL, isAllowedBaseUrl, readBaseUrl } from '../../nodes/WaveSpeed/transport/baseUrl';
import { createExecuteContext } from '../support/executeContext';
import { startFakeWaveSpeed } from '../support/fakeWaveSpeed';
import type { FakeWaveSpeed } from '../support/fakeWaveSpeed';

/** Resolves the credential's `={{ … }}` strings the way n8n does for these simple expressions. */
function resolve(value: string, credentials: IDataObject): string {
	if (!value.startsWith('=')) return value;
	return value.slice(1).replace(/\{\{(.+?)\}\}/g, (_, expression: string) =>
		String(new Function('$credentials', `return (${expression});`)(credentials)),
	);
}

/** The credential's test Base URL as n8n's own expression engine resolves it. */
function resolveTestBaseUrl(baseUrl: string): unknown {
	const node: INode = { id: 'n', name: 'N', type: 't', typeVersion: 1, position: [0, 0], parameters: {} };
	const nodeType = { description: { properties: [] } };
	const nodeTypes = { getByName: () => nodeType, getByNameAndVersion: () => nodeType, getKnownTypes: () => ({}) } as unknown as INodeTypes;
	const workflow = new Workflow({ nodes: [node], connections: {}, active: false, nodeTypes });
	const expression = String(new WaveSpeedAiApi().test.request.baseURL);
	return workflow.expression.getSimpleParameterValue(node, expression, 'internal', { $credentials: { baseUrl } }, undefined, '');
}

/** What n8n's credential test does: the `test.request` (all its options) with the `authenticate` headers applied. */
async function runCredentialTest(credentials: IDataObject) {
	const credential = new WaveSpeedAiApi();
	const request = credential.test.request;
	const options: IHttpRequestOptions = {
		...(request as IHttpRequestOptions),
		method: request.method ?? 'GET',
		baseURL: resolve(String(request.baseURL), credentials),
		url: String(request.url),
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		json: true,
	};
	const authenticated = await credential.authenticate(credentials as ICredentialDataDecryptedObject, options);
	return (await Container.get(OutboundHttp).requests().request(authenticated)) as IN8nHttpFullResponse;
}

describe('WaveSpeed AI API credential', () => {
	let fake: FakeWaveSpeed;
	beforeAll(async () => {
		fake = await startFakeWaveSpeed();
	});
	afterAll(async () => await fake.close());

	it('has the public names and a password-type key', () => {
		const credential = new WaveSpeedAiApi();
		expect(credential.name).toBe('waveSpeedAiApi');
		expect(credential.properties.map((property) => property.name)).toEqual(['apiKey', 'baseUrl', 'baseUrlNotice']);
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

	it('follows no redirect, so the key stays on the Base URL host, and says why it failed', async () => {
		fake.requests.length = 0;
		fake.faults.push({ route: 'balance', kind: 'redirect', location: `${fake.url}/api/v3/balance?moved=1` });
		const response = await runCredentialTest({ apiKey: fake.options.apiKey, baseUrl: fake.url });
		expect(response.statusCode).toBe(302);
		expect(fake.countRequests('balance')).toBe(1);
		const rule = new WaveSpeedAiApi().test.rules?.find((candidate) => candidate.type === 'responseCode' && candidate.properties.value === 302);
		expect(rule?.properties).toMatchObject({ message: expect.stringContaining('never follow redirects') });
		fake.faults.length = 0;
	});

	const ALLOWED = [
		'https://api.wavespeed.ai',
		'https://gateway.example.com/wavespeed/',
		'HTTPS://API.WAVESPEED.AI',
		'http://localhost:8080',
		'http://127.0.0.1:5678/',
		'http://10.1.2.3',
		'http://172.20.0.5:8000/api',
		'http://192.168.1.10',
		'http://[::1]:3000',
		'http://[fd12:3456::1]/',
		'http://wavespeed-proxy:8080',
	];
	const REFUSED = [
		'http://api.wavespeed.ai',
		'http://gateway.example.com',
		'http://8.8.8.8',
		'http://172.32.0.1',
		'http://127.0.0.1.evil.example.com',
		'http://localhost@evil.example.com/',
		'http://localhost.evil.example.com',
		'ftp://api.wavespeed.ai',
		'api.wavespeed.ai',
	];

	// Issue 19 defect 8: an emptied Base URL resolved to "" (the test failed) and a blank one to the refused target,
	// though the node then calls https://api.wavespeed.ai.
	it.each(['', '   ', '\t\n'])('tests WaveSpeed\'s own API for an emptied Base URL (%j), as the node calls it', (baseUrl) => {
		expect(resolveTestBaseUrl(baseUrl)).toBe(DEFAULT_BASE_URL);
		expect(resolve(String(new WaveSpeedAiApi().test.request.baseURL), { baseUrl })).toBe(DEFAULT_BASE_URL);
		const { ctx } = createExecuteContext({ params: {}, credentials: { apiKey: 'k', baseUrl } });
		expect(readBaseUrl(ctx, { baseUrl }, 0)).toBe(DEFAULT_BASE_URL);
	});

	it.each(ALLOWED)('allows %s, in the node and in the credential test alike', (baseUrl) => {
		expect(isAllowedBaseUrl(baseUrl)).toBe(true);
		expect(resolveTestBaseUrl(baseUrl)).toBe(baseUrl.replace(/\/+$/, ''));
	});

	it.each(REFUSED)('refuses %s: the credential test sends nothing there, and no request is made with it', async (baseUrl) => {
		expect(isAllowedBaseUrl(baseUrl)).toBe(false);
		expect(resolveTestBaseUrl(baseUrl)).toBe(REFUSED_BASE_URL_TARGET);

		const context = createExecuteContext({ params: {}, credentials: { apiKey: 'secret-key-123', baseUrl } });
		const error = await apiRequest(context.ctx, { method: 'GET', path: '/api/v3/balance', kind: 'read', itemIndex: 0, deadlineMs: NO_DEADLINE }).then(
			() => undefined,
			(caught: Error) => caught,
		);
		expect(error?.message).toBe(
			`The credential's Base URL "${baseUrl.replace(/\/+$/, '')}" must start with https:// (http:// only for localhost or a private address, such as a local gateway): the API key would otherwise cross the network in clear text`,
		);
		expect(context.httpCalls).toHaveLength(0);
	});
});
