import { MIN_REFETCH_INTERVAL_MS, SECRET_TTL_MS, SIGNATURE_MISMATCH, SecretCache, readSecret, verifyCallback } from '../../../../nodes/WaveSpeed/webhooks/callbackSecret';
import { checkCallbackSignature, signCallback } from '../../../../nodes/WaveSpeed/webhooks/signature';

const OLD_SECRET = 'whsec_old0123456789';
const NEW_SECRET = 'whsec_new9876543210';
const BODY = Buffer.from('{"id":"task-1","status":"completed","outputs":[]}');
const NOW_MS = 1_800_000_000_000;

function signedHeaders(secret: string, timestampSeconds = NOW_MS / 1000) {
	const timestamp = String(timestampSeconds);
	return { 'webhook-id': 'msg_1', 'webhook-timestamp': timestamp, 'webhook-signature': signCallback(secret, 'msg_1', timestamp, BODY) };
}

/** A fetch that counts its calls and answers the secrets given, in turn. */
function secretSource(...answers: Array<string | Error>) {
	const calls = { count: 0 };
	const fetch = async () => {
		const answer = answers[Math.min(calls.count++, answers.length - 1)];
		if (answer instanceof Error) throw answer;
		return answer;
	};
	return { calls, fetch };
}

describe('SecretCache', () => {
	it('fetches once and reuses the secret within its TTL, then fetches again', async () => {
		const cache = new SecretCache();
		const { calls, fetch } = secretSource(OLD_SECRET, NEW_SECRET);
		expect(await cache.get('cred', fetch, 0)).toBe(OLD_SECRET);
		expect(await cache.get('cred', fetch, SECRET_TTL_MS - 1)).toBe(OLD_SECRET);
		expect(calls.count).toBe(1);
		expect(await cache.get('cred', fetch, SECRET_TTL_MS)).toBe(NEW_SECRET);
		expect(calls.count).toBe(2);
	});

	it('shares one fetch between calls that arrive together, and keeps credentials apart', async () => {
		const cache = new SecretCache();
		const { calls, fetch } = secretSource(OLD_SECRET);
		await Promise.all([cache.get('cred', fetch, 0), cache.get('cred', fetch, 0), cache.get('cred', fetch, 0)]);
		expect(calls.count).toBe(1);
		await cache.get('other-cred', fetch, 0);
		expect(calls.count).toBe(2);
	});

	it('does not keep a failed fetch: the next call tries again', async () => {
		const cache = new SecretCache();
		const { calls, fetch } = secretSource(new Error('WaveSpeed could not be reached'), OLD_SECRET);
		await expect(cache.get('cred', fetch, 0)).rejects.toThrow('could not be reached');
		expect(await cache.get('cred', fetch, 1)).toBe(OLD_SECRET);
		expect(calls.count).toBe(2);
	});

	it('refetches on demand, but not more often than every MIN_REFETCH_INTERVAL_MS', async () => {
		const cache = new SecretCache();
		const { calls, fetch } = secretSource(OLD_SECRET, NEW_SECRET);
		await cache.get('cred', fetch, 0);
		expect(await cache.refetch('cred', fetch, MIN_REFETCH_INTERVAL_MS - 1)).toBeUndefined();
		expect(calls.count).toBe(1);
		expect(await cache.refetch('cred', fetch, MIN_REFETCH_INTERVAL_MS)).toBe(NEW_SECRET);
		expect(await cache.get('cred', fetch, MIN_REFETCH_INTERVAL_MS + 1)).toBe(NEW_SECRET);
		expect(calls.count).toBe(2);
	});
});

describe('verifyCallback', () => {
	const secrets = (current: string, refetched?: string) => {
		const asked = { refetched: 0 };
		return {
			asked,
			source: {
				current: async () => current,
				refetched: async () => {
					asked.refetched++;
					return refetched;
				},
			},
		};
	};

	it('accepts a call signed with the secret held, without fetching again', async () => {
		const { asked, source } = secrets(OLD_SECRET, NEW_SECRET);
		expect(await verifyCallback(signedHeaders(OLD_SECRET), BODY, source, NOW_MS)).toBeUndefined();
		expect(asked.refetched).toBe(0);
	});

	it('accepts a call signed with a rotated secret once it is fetched again', async () => {
		const { asked, source } = secrets(OLD_SECRET, NEW_SECRET);
		expect(await verifyCallback(signedHeaders(NEW_SECRET), BODY, source, NOW_MS)).toBeUndefined();
		expect(asked.refetched).toBe(1);
	});

	it('refuses a forged call, also after fetching the secret again, and when no fresh secret may be fetched', async () => {
		expect(await verifyCallback(signedHeaders('whsec_forger'), BODY, secrets(OLD_SECRET, OLD_SECRET).source, NOW_MS)).toBe(SIGNATURE_MISMATCH);
		expect(await verifyCallback(signedHeaders('whsec_forger'), BODY, secrets(OLD_SECRET, undefined).source, NOW_MS)).toBe(SIGNATURE_MISMATCH);
	});

	it('refuses a body changed after signing', async () => {
		const headers = signedHeaders(OLD_SECRET);
		const changed = Buffer.from(BODY.toString().replace('completed', 'failed'));
		expect(await verifyCallback(headers, changed, secrets(OLD_SECRET).source, NOW_MS)).toBe(SIGNATURE_MISMATCH);
	});

	it('refuses a stale or unsigned call without fetching the secret again', async () => {
		const { asked, source } = secrets(OLD_SECRET, OLD_SECRET);
		const stale = await verifyCallback(signedHeaders(OLD_SECRET, NOW_MS / 1000 - 301), BODY, source, NOW_MS);
		expect(stale).toBe('the webhook-timestamp is more than 5 minutes away from now');
		expect(await verifyCallback({}, BODY, source, NOW_MS)).toMatch(/header is missing/);
		expect(asked.refetched).toBe(0);
	});

	it('names a mismatch with the very words checkCallbackSignature uses (the refetch depends on them)', () => {
		expect(checkCallbackSignature(signedHeaders('whsec_forger'), BODY, OLD_SECRET, NOW_MS)).toBe(SIGNATURE_MISMATCH);
	});
});

describe('readSecret', () => {
	it('takes the secret from the reply and refuses a reply without one', () => {
		expect(readSecret({ secret: ' whsec_abc12345 ' })).toBe('whsec_abc12345');
		for (const data of [{}, { secret: '' }, { secret: 42 }, null, '', '   ', [], { secret: { nested: true } }]) {
			expect(() => readSecret(data)).toThrow('without a secret');
		}
	});

	// The reply's shape is known only from third parties (wavespeed-api contract): read it leniently.
	it.each([
		['data.secret', { secret: 'whsec_abc12345' }],
		['data.webhook_secret', { webhook_secret: 'whsec_abc12345' }],
		['a bare string data', 'whsec_abc12345'],
		['one level deeper', { webhook: { secret: 'whsec_abc12345' } }],
	])('reads the secret given as %s', (_, data) => {
		expect(readSecret(data)).toBe('whsec_abc12345');
	});

	it('refuses garbage in place of a secret (a sentence, an HTML page, a too-short token)', () => {
		for (const data of ['not available for this key', '<html><body>Error</body></html>', { secret: 'abc' }, { webhook_secret: 'two words here' }]) {
			expect(() => readSecret(data)).toThrow('without a secret');
		}
	});
});
