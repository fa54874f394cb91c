import type { FakeOptions, FakeWaveSpeed } from './fakeWaveSpeed';
import { startFakeWaveSpeed } from './fakeWaveSpeed';

/** Starts the local WaveSpeed server for a describe block, resets it after each test and stops it at the end. */
export function useFakeWaveSpeed(onStarted: (fake: FakeWaveSpeed) => void, options: Partial<FakeOptions> = {}): void {
	let fake: FakeWaveSpeed | undefined;
	beforeAll(async () => {
		fake = await startFakeWaveSpeed(options);
		onStarted(fake);
	});
	afterEach(() => fake?.reset());
	afterAll(async () => await fake?.close());
}
