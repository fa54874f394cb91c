import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { CLIENT_NAME, CLIENT_VERSION } from '../../../../nodes/WaveSpeed/transport/clientHeaders';
import { contextFor } from '../../../support/builders';
import { createExecuteContext, runNode } from '../../../support/executeContext';
import type { FakeWaveSpeed } from '../../../support/fakeWaveSpeed';
import { useFakeWaveSpeed } from '../../../support/useFakeWaveSpeed';

describe('client attribution headers', () => {
	let fake: FakeWaveSpeed;
	useFakeWaveSpeed((started) => (fake = started));

	it("name the package and carry package.json's version (a constant: nodes/ may not read files)", () => {
		const pkg = JSON.parse(readFileSync(join(__dirname, '../../../../package.json'), 'utf8')) as { name: string; version: string };
		expect(CLIENT_NAME).toBe(pkg.name);
		expect(CLIENT_VERSION).toBe(pkg.version);
	});

	it('go with every API call (submit and polls), never with the output download from the CDN', async () => {
		const params = { operation: 'generateImage', prompt: 'p', waitForCompletion: true, options: { pollInterval: 0.5, timeout: 20 } };
		const [item] = await runNode(createExecuteContext(contextFor(fake, params)));
		expect(item.json.status).toBe('completed');
		const api = fake.requests.filter((request) => request.route === 'generate' || request.route === 'result');
		expect(api.length).toBeGreaterThanOrEqual(2);
		for (const request of api) {
			expect(request.headers).toMatchObject({ 'x-client-name': CLIENT_NAME, 'x-client-version': CLIENT_VERSION });
		}
		const downloads = fake.requests.filter((request) => request.route === 'download');
		expect(downloads).toHaveLength(1);
		expect(downloads[0].headers['x-client-name']).toBeUndefined();
		expect(downloads[0].headers.authorization).toBeUndefined();
	});
});
