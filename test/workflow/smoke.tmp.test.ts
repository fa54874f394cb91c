import { startFakeWaveSpeed } from '../support/fakeWaveSpeed';
import { chain, createWorkflowHarness, node, WAVESPEED_TYPE } from '../support/workflowHarness';

it.each(['default', 'filesystem'] as const)('smoke %s', async (mode) => {
	const fake = await startFakeWaveSpeed();
	const h = await createWorkflowHarness(mode, { apiKey: fake.options.apiKey, baseUrl: fake.url });
	const wf = chain(
		node('Start', 'test.start', { items: '[{"prompt":"hello"}]' }),
		node('Make', 'test.makeBinary', { seed: '={{ "s" + $itemIndex }}' }),
		node('Edit', WAVESPEED_TYPE, { operation: 'editImage', prompt: '={{ $json.prompt }}', options: { pollInterval: 0.5 } }),
	);
	const r = await h.run(wf);
	console.log(JSON.stringify(r.run.data.resultData.error), r.run.status);
	console.log(JSON.stringify(r.output('Make'), null, 1).slice(0, 800));
	console.log(JSON.stringify(r.output('Edit'), null, 1).slice(0, 1500));
	await fake.close();
	h.close();
});
