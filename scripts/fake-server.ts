/**
 * Runs the local WaveSpeed-compatible server on its own, for `npm start` and `npm run demo` without an API key.
 * Node 24 runs this file as is (type stripping). It prints one JSON line, {url, apiKey}, once it listens.
 *   FAKE_WAVESPEED_PORT (default 5679), FAKE_WAVESPEED_API_KEY, FAKE_WAVESPEED_INFERENCE_MS (default 3000)
 */
import { startFakeWaveSpeed } from '../test/support/fakeWaveSpeed.ts';

async function main(): Promise<void> {
	const { env } = process;
	const apiKey = env.FAKE_WAVESPEED_API_KEY ?? 'local-demo-key';
	const fake = await startFakeWaveSpeed(
		{ apiKey, inferenceMs: Number(env.FAKE_WAVESPEED_INFERENCE_MS ?? 3000), outputWidth: 512, outputHeight: 512 },
		Number(env.FAKE_WAVESPEED_PORT ?? 5679),
	);
	process.stdout.write(`${JSON.stringify({ url: fake.url, apiKey })}\n`);
	for (const signal of ['SIGINT', 'SIGTERM'] as const) {
		process.on(signal, () => void fake.close().then(() => process.exit(0)));
	}
}

void main();
