import { binaryPlaceholder } from '../../../../nodes/WaveSpeed/models/modelInputs';
import { matchEarlierTask } from '../../../../nodes/WaveSpeed/reuse/requestMatch';

const EDIT = 'openai/gpt-image-2/edit';
const request = { modelId: EDIT, inputs: { images: [binaryPlaceholder(0), 'https://example.com/logo.png'], prompt: 'On marble', resolution: '1k', quality: 'medium' } };
const sameInputs = { images: ['https://cdn.wavespeed.ai/uploads/abc.png', 'https://example.com/logo.png'], prompt: 'On marble', resolution: '1k', quality: 'medium', enable_sync_mode: false };

describe('matchEarlierTask: is an earlier task the answer to this request?', () => {
	it.each([
		['another model', { id: 't', model: 'openai/gpt-image-2/text-to-image', inputs: sameInputs }, 'ran openai/gpt-image-2/text-to-image'],
		['no model said', { id: 't', inputs: sameInputs }, 'did not say which model'],
		['another prompt', { id: 't', model: EDIT, inputs: { ...sameInputs, prompt: 'On a beach' } }, 'input "prompt" differs'],
		['another URL image', { id: 't', model: EDIT, inputs: { ...sameInputs, images: [sameInputs.images[0], 'https://example.com/other.png'] } }, 'input "images" differs'],
		['one image fewer', { id: 't', model: EDIT, inputs: { ...sameInputs, images: ['https://example.com/logo.png'] } }, 'input "images" differs'],
	])('rejects %s', (_case, earlier, reason) => {
		const verdict = matchEarlierTask(request, earlier, false);
		expect(verdict).toMatchObject({ matches: false });
		expect(verdict.matches ? '' : verdict.reason).toContain(reason);
	});

	it('takes a task whose inputs are this request, a binary standing for any URL, extra fields of WaveSpeed ignored', () => {
		expect(matchEarlierTask(request, { id: 't', model: EDIT, inputs: sameInputs }, false)).toEqual({ matches: true, checked: 'model and inputs' });
	});

	it('takes a clean link on its model where WaveSpeed returns no inputs; a link in doubt needs them', () => {
		expect(matchEarlierTask(request, { id: 't', model: EDIT }, false)).toEqual({ matches: true, checked: 'model' });
		expect(matchEarlierTask(request, { id: 't', model: EDIT }, true)).toMatchObject({ matches: false });
	});

	it('a link in doubt is never proven by a binary input (uploaded to a new URL every run), only by inputs compared in full', () => {
		expect(matchEarlierTask(request, { id: 't', model: EDIT, inputs: sameInputs }, true)).toMatchObject({ matches: false, reason: expect.stringContaining('binary data') });
		const urlsOnly = { modelId: EDIT, inputs: { ...request.inputs, images: ['https://example.com/logo.png'] } };
		expect(matchEarlierTask(urlsOnly, { id: 't', model: EDIT, inputs: { ...sameInputs, images: ['https://example.com/logo.png'] } }, true)).toMatchObject({ matches: true });
		expect(matchEarlierTask(urlsOnly, { id: 't', model: EDIT, inputs: { prompt: 'On marble' } }, true)).toMatchObject({ matches: false, reason: expect.stringContaining('did not return input') });
	});
});
