import { binaryPlaceholder } from '../../../../nodes/WaveSpeed/models/modelInputs';
import { RecoveryKeys, fingerprintRequest } from '../../../../nodes/WaveSpeed/reuse/recoveryKey';
import type { RecoverySource } from '../../../../nodes/WaveSpeed/reuse/recoveryKey';

const EDIT = 'openai/gpt-image-2/edit';
const binary = (contentKey: string) => ({ identify: async () => await Promise.resolve({ contentKey }) });
const edit = (prompt: string, photo: string, inputs: object = {}): RecoverySource => ({
	operation: 'editImage',
	request: { modelId: EDIT, inputs: { images: [binaryPlaceholder(0)], prompt, resolution: '1k', ...inputs } },
	binaries: [binary(photo)],
});

describe('recovery keys: the same request, binaries by content', () => {
	it('is the same for the same request, whatever the order of its fields', async () => {
		const a = await fingerprintRequest(edit('On marble', 'sha256:aa'));
		const b = await fingerprintRequest({ ...edit('On marble', 'sha256:aa'), request: { modelId: EDIT, inputs: { resolution: '1k', prompt: 'On marble', images: [binaryPlaceholder(0)] } } });
		expect(a).toBe(b);
	});

	it.each([
		['another photo (same prompt)', edit('On marble', 'sha256:bb')],
		['another prompt', edit('On a beach', 'sha256:aa')],
		['another input', edit('On marble', 'sha256:aa', { quality: 'high' })],
		['another operation', { ...edit('On marble', 'sha256:aa'), operation: 'runModel' }],
	])('differs for %s', async (_case, other) => {
		expect(await fingerprintRequest(other)).not.toBe(await fingerprintRequest(edit('On marble', 'sha256:aa')));
	});

	it('tells identical items of one batch apart by their order among themselves, not by their position', async () => {
		const mug = edit('a mug', 'sha256:aa');
		const keys = new RecoveryKeys([mug, edit('a cup', 'sha256:aa'), mug, undefined]);
		const [first, cup, second, none] = await Promise.all([0, 1, 2, 3].map(async (index) => await keys.keyFor(index)));
		expect(first).toMatch(/#0$/);
		expect(second).toBe(first?.replace(/#0$/, '#1'));
		expect(cup).toMatch(/#0$/);
		expect(none).toBeUndefined();
		// The same mug alone, at another position in another run, is the first mug.
		expect(await new RecoveryKeys([edit('a cup', 'sha256:aa'), mug]).keyFor(1)).toBe(first);
	});

	it('counts each item once, not once per later item (a 1,000-item batch asked for 500,000 fingerprints)', async () => {
		const sources = Array.from({ length: 200 }, (_, index) => edit(index % 2 ? 'a mug' : 'a cup', 'sha256:aa'));
		const keys = new RecoveryKeys(sources);
		const asked = jest.spyOn(keys as unknown as { fingerprintOf(index: number): Promise<string | undefined> }, 'fingerprintOf');
		const all = await Promise.all(sources.map(async (_, index) => await keys.keyFor(index)));
		expect(all[198]).toMatch(/#99$/);
		expect(all[199]).toMatch(/#99$/);
		expect(new Set(all).size).toBe(200);
		expect(asked).toHaveBeenCalledTimes(200);
	});

	it('gives no key (no recovery) when a binary cannot be read', async () => {
		const unreadable = { ...edit('a mug', 'x'), binaries: [{ identify: async () => await Promise.reject(new Error('gone')) }] };
		expect(await new RecoveryKeys([unreadable]).keyFor(0)).toBeUndefined();
	});
});
