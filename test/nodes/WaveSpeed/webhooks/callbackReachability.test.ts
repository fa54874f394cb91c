import { whyWaveSpeedCannotCall } from '../../../../nodes/WaveSpeed/webhooks/callbackReachability';
import { contextFor } from '../../../support/builders';
import { createExecuteContext, runNode } from '../../../support/executeContext';
import type { FakeWaveSpeed } from '../../../support/fakeWaveSpeed';
import { useFakeWaveSpeed } from '../../../support/useFakeWaveSpeed';

const REAL_API = 'https://api.wavespeed.ai';
const generateParams = (overrides: Record<string, unknown>) => ({ operation: 'generateImage', prompt: 'p', waitForCompletion: true, ...overrides });

describe('whyWaveSpeedCannotCall', () => {
	it('against the real API, accepts only public https URLs', () => {
		expect(whyWaveSpeedCannotCall('https://n8n.example.com/webhook-waiting/7?signature=x', REAL_API)).toBeUndefined();
		expect(whyWaveSpeedCannotCall('https://n8n.example.com/hook', '')).toBeUndefined();
		expect(whyWaveSpeedCannotCall('http://n8n.example.com/hook', REAL_API)).toMatch(/is not https/);
		expect(whyWaveSpeedCannotCall('ftp://n8n.example.com/hook', REAL_API)).toMatch(/is not https/);
		for (const local of ['https://localhost:5678/x', 'http://127.0.0.1:5678/x', 'https://192.168.1.4/x', 'https://10.0.0.2/x', 'https://n8n:5678/x', 'https://[::1]/x']) {
			expect(whyWaveSpeedCannotCall(local, REAL_API)).toMatch(/private network/);
		}
		expect(whyWaveSpeedCannotCall('not a url', REAL_API)).toBe('is not a URL');
	});

	it('with a Base URL on this machine or a private network (a gateway, a test server), refuses nothing', () => {
		for (const base of ['http://127.0.0.1:8080', 'http://localhost:3000', 'http://wavespeed-gateway:8080', 'http://10.1.2.3']) {
			expect(whyWaveSpeedCannotCall('http://127.0.0.1:5678/x', base)).toBeUndefined();
			expect(whyWaveSpeedCannotCall('http://n8n.example.com/x', base)).toBeUndefined();
		}
	});
});

describe('Callback URL option against the real API', () => {
	let fake: FakeWaveSpeed;
	useFakeWaveSpeed((started) => (fake = started));

	it('an http:// Callback URL is refused before anything is sent (nothing billed)', async () => {
		const params = generateParams({ waitForCompletion: false, options: { callbackUrl: 'http://n8n.example.com/webhook/abc' } });
		const context = createExecuteContext(contextFor(fake, params, { credentials: { apiKey: 'k', baseUrl: REAL_API } }));
		const error = await runNode(context).then(
			() => undefined,
			(thrown: Error) => thrown,
		);
		expect(error?.message).toBe(
			'The Callback URL (http://n8n.example.com) is not https, and WaveSpeed calls only public https URLs [item 0, parameter "Callback URL"]',
		);
		expect(context.httpCalls).toHaveLength(0);
	});

	it('against the local server the same URL is still sent (a local API may call anything)', async () => {
		const callbackUrl = 'http://n8n.example.com/webhook/abc';
		const [item] = await runNode(createExecuteContext(contextFor(fake, generateParams({ waitForCompletion: false, options: { callbackUrl } }))));
		expect(fake.tasks.get(item.json.id as string)?.webhookUrl).toBe(callbackUrl);
	});
});
