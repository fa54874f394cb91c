/** Polls `probe` every 250 ms until it returns a value; throws naming `what` after `timeoutMs`. For end-to-end tests. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
	for (const endMs = Date.now() + timeoutMs; Date.now() < endMs; await new Promise((resolve) => setTimeout(resolve, 250))) {
		const value = await probe();
		if (value !== undefined) return value;
	}
	throw new Error(`Timed out waiting for ${what}`);
}
