import { checkCallbackSignature, signCallback } from '../../../../nodes/WaveSpeed/webhooks/signature';

// A vector computed outside this code: printf '<id>.<ts>.<body>' | openssl dgst -sha256 -hmac '<secret minus whsec_>'
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const ID = 'msg_2Qf3';
const TIMESTAMP = '1764662400';
const BODY = '{"id":"abc123","status":"completed"}';
const EXPECTED = 'v3,990a9fd1c4856b89e93692e441b14d1d7529bed9ceebb47c2a953e68b8a93aff';
const AT = Number(TIMESTAMP) * 1000;
const headers = (signature = EXPECTED, timestamp = TIMESTAMP) => ({
	'webhook-id': ID,
	'webhook-timestamp': timestamp,
	'webhook-signature': signature,
});

describe('WaveSpeed callback signatures', () => {
	it('signs as WaveSpeed does: hex HMAC-SHA256 keyed with the secret minus whsec_, as text', () => {
		expect(signCallback(SECRET, ID, TIMESTAMP, BODY)).toBe(EXPECTED);
		expect(signCallback(SECRET, ID, TIMESTAMP, Buffer.from(BODY))).toBe(EXPECTED);
	});

	it('accepts the known vector, within 5 minutes either way', () => {
		expect(checkCallbackSignature(headers(), BODY, SECRET, AT)).toBeUndefined();
		expect(checkCallbackSignature(headers(), BODY, SECRET, AT + 299_000)).toBeUndefined();
		expect(checkCallbackSignature(headers(), BODY, SECRET, AT - 299_000)).toBeUndefined();
	});

	it('accepts one matching signature among several (a secret rotation)', () => {
		expect(checkCallbackSignature(headers(`v3,${'0'.repeat(64)} ${EXPECTED}`), BODY, SECRET, AT)).toBeUndefined();
	});

	it('refuses a changed body, another secret, a forged digest and a missing header', () => {
		expect(checkCallbackSignature(headers(), BODY.replace('completed', 'failed'), SECRET, AT)).toMatch(/does not match/);
		expect(checkCallbackSignature(headers(), BODY, 'whsec_other', AT)).toMatch(/does not match/);
		expect(checkCallbackSignature(headers(`v3,${'a'.repeat(64)}`), BODY, SECRET, AT)).toMatch(/does not match/);
		expect(checkCallbackSignature(headers(EXPECTED.replace('v3', 'v1')), BODY, SECRET, AT)).toMatch(/does not match/);
		expect(checkCallbackSignature({ 'webhook-id': ID, 'webhook-timestamp': TIMESTAMP }, BODY, SECRET, AT)).toMatch(/missing/);
	});

	it('refuses a stale or future timestamp, and one that is not a number, even when correctly signed', () => {
		expect(checkCallbackSignature(headers(), BODY, SECRET, AT + 301_000)).toMatch(/5 minutes/);
		expect(checkCallbackSignature(headers(), BODY, SECRET, AT - 301_000)).toMatch(/5 minutes/);
		const odd = '17646624e2';
		expect(checkCallbackSignature(headers(signCallback(SECRET, ID, odd, BODY), odd), BODY, SECRET, AT)).toMatch(/Unix time/);
	});
});
