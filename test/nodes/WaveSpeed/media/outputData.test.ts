import { readOutputs, withReadOutputs } from '../../../../nodes/WaveSpeed/media/outputData';

describe('readOutputs', () => {
	it('reads bare strings and {url} objects alike, absent or null as none', () => {
		expect(readOutputs(['https://a/x.png', { url: 'https://a/y.mp4' }, { uri: 'https://a/z.wav' }])).toEqual([
			'https://a/x.png',
			'https://a/y.mp4',
			'https://a/z.wav',
		]);
		expect(readOutputs(undefined)).toEqual([]);
		expect(readOutputs(null)).toEqual([]);
	});

	it('refuses anything else: not a list, numbers, objects without a URL', () => {
		for (const outputs of ['https://a/x.png', { url: 'x' }, [1], [{ href: 'x' }], [null], [['x']]]) {
			expect(readOutputs(outputs)).toBeUndefined();
		}
	});

	it('withReadOutputs rewrites a task\'s object outputs and leaves unreadable ones for the checks after it', () => {
		expect(withReadOutputs({ id: 't', outputs: [{ url: 'https://a/x.png' }] })).toEqual({ id: 't', outputs: ['https://a/x.png'] });
		const odd = { id: 't', outputs: [42] };
		expect(withReadOutputs(odd)).toBe(odd);
	});
});
