import type { NodeApiError } from 'n8n-workflow';

import { apiRequest, isAccountConcurrencyFull } from '../../../../nodes/WaveSpeed/transport';
import { useFakeWaveSpeed } from '../../../support/useFakeWaveSpeed';
import type { FakeWaveSpeed } from '../../../support/fakeWaveSpeed';
import { createExecuteContext } from '../../../support/executeContext';
import { contextFor } from '../../../support/builders';

/** WaveSpeed's error replies come in several shapes (wavespeed-api contract): its text must reach the user in each. */
describe('transport: WaveSpeed error replies in every shape', () => {
	let fake: FakeWaveSpeed;
	useFakeWaveSpeed((started) => (fake = started));

	const failure = async (promise: Promise<unknown>) =>
		(await promise.then(
			() => undefined,
			(error: NodeApiError) => error,
		)) as NodeApiError;
	const reply = (status: number, body: unknown) => ({
		route: 'submit' as const,
		kind: 'reply' as const,
		status,
		contentType: 'application/json',
		body: JSON.stringify(body),
		times: 1,
	});
	const submit = async () =>
		await failure(
			apiRequest(createExecuteContext(contextFor(fake, {})).ctx, {
				method: 'POST',
				path: '/api/v3/openai/gpt-image-2/edit',
				kind: 'submit',
				itemIndex: 0,
				body: { images: ['https://example.com/a.png'], prompt: 'p' },
				retryRateLimit: false,
				deadlineMs: Date.now() + 30_000,
			}),
		);

	it.each([
		['a bare {"error"} (documented for 400s)', { error: 'webhook callback does not support base64 output' }, 'webhook callback does not support base64 output'],
		['{"message", "error_code"}', { message: 'invalid prompt', error_code: 'INVALID_PARAM' }, 'invalid prompt (INVALID_PARAM)'],
		['the envelope with data null', { code: 400, message: 'prompt is required', data: null }, 'prompt is required'],
	])('a 400 as %s shows WaveSpeed\'s text, not "Bad Request"', async (_, body, shown) => {
		fake.faults.push(reply(400, body));
		const error = await submit();
		expect(error.message).toBe(`WaveSpeed answered 400: ${shown}`);
		expect(fake.countRequests('submit')).toBe(1);
	});

	it.each([
		['{"error"}', { error: 'too many concurrent tasks' }],
		['{"message", "error_code"}', { message: 'too many concurrent tasks', error_code: 'RATE_LIMIT' }],
		['the envelope', { code: 429, message: 'too many concurrent tasks', data: null }],
	])('recognises "too many concurrent tasks" in a 429 shaped as %s', async (_, body) => {
		fake.faults.push(reply(429, body));
		const error = await submit();
		expect(error.message).toContain('too many concurrent tasks');
		expect(isAccountConcurrencyFull(error)).toBe(true);
	});

	it('a plain per-minute 429 is not taken for the concurrency limit', async () => {
		fake.faults.push(reply(429, { error: 'rate limit exceeded' }));
		expect(isAccountConcurrencyFull(await submit())).toBe(false);
	});

	it("a 403 shows WaveSpeed's message and says the key's role may not allow the endpoint", async () => {
		fake.faults.push(reply(403, { message: 'role "viewer" cannot access /api/v3/openai/gpt-image-2/edit', error_code: 'FORBIDDEN' }));
		const error = await submit();
		expect(error.message).toBe('WaveSpeed refused the request (403): role "viewer" cannot access /api/v3/openai/gpt-image-2/edit (FORBIDDEN)');
		expect(error.description).toContain("key's role does not allow this endpoint");
	});
});
