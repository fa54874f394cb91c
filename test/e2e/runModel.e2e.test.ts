/**
 * End to end, in a real n8n 2.40.7 (the package installed as Settings → Community Nodes would): the Run Model example
 * workflow, a photo edited with GPT Image 2 and then upscaled by another model of the catalogue, chained in one run;
 * and the same with WaveSpeed's catalogue down (the model runs, unchecked).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { executeWorkflow, findRepoDir, getNodeOutput, importWorkflow } from '../../scripts/lib/localN8n';
import { makePlaceholderPng, readPngSize } from '../support/placeholderPng';
import type { TestN8nWithFake } from '../support/useTestN8n';
import { useTestN8n } from '../support/useTestN8n';

interface ExampleNode {
	name: string;
	parameters: Record<string, unknown>;
	credentials?: Record<string, { id: string; name: string }>;
}

/** The example as shipped, with its files in the test's folder and the test credential. */
function loadEditThenUpscale(values: { inputImage: string; outputImage: string; credential: { id: string; name: string } }) {
	const file = join(findRepoDir(__dirname), 'examples', 'edit-then-upscale.workflow.json');
	const workflow = JSON.parse(readFileSync(file, 'utf8')) as { id: string; nodes: ExampleNode[] };
	const byName = (name: string) => workflow.nodes.find((node) => node.name === name)!;
	byName('Read product photo').parameters.fileSelector = values.inputImage;
	byName('Save upscaled image').parameters.fileName = values.outputImage;
	for (const node of workflow.nodes.filter((candidate) => candidate.credentials)) node.credentials = { waveSpeedAiApi: values.credential };
	return workflow;
}

describe('in a real n8n, Run Model', () => {
	let n8n: TestN8nWithFake;
	useTestN8n('wavespeed-e2e-run-model', { inferenceMs: 300 }, (setup) => (n8n = setup));

	it('runs the example: photo → Edit Image → Run Model (upscaler) → upscaled image on disk', async () => {
		const { install, env, workDir, fake, credential } = n8n;
		const inputImage = join(workDir, 'product.png');
		const outputImage = join(workDir, 'upscaled.png');
		writeFileSync(inputImage, makePlaceholderPng({ seed: 'product photo', width: 96, height: 48 }));
		const workflow = loadEditThenUpscale({ inputImage, outputImage, credential });
		await importWorkflow(install, env, workflow, workDir);

		const record = await executeWorkflow(install, env, workflow.id);
		expect(record.status).toBe('success');
		const [edited] = getNodeOutput(record, 'Edit with GPT Image 2');
		const [upscaled] = getNodeOutput(record, 'Upscale');
		expect(upscaled.json).toMatchObject({ status: 'completed', model: 'wavespeed-ai/image-upscaler', costSource: 'quote', estimatedCostUsd: 0.01 });
		expect(upscaled.binary?.upscaled).toMatchObject({ mimeType: 'image/png', fileName: `${String(upscaled.json.id)}.png` });

		// Two tasks, chained: the upscaler got the edited image, uploaded byte for byte from the first node's output.
		expect(fake.tasks.size).toBe(2);
		const upscaleTask = fake.tasks.get(String(upscaled.json.id))!;
		expect(upscaleTask.request).toEqual({ image: expect.stringMatching(/\/media\//), target_resolution: '4k', output_format: 'png' });
		const puts = fake.requests.filter((request) => request.route === 'put');
		expect(puts).toHaveLength(2);
		expect(String(edited.json.id)).not.toBe(String(upscaled.json.id));
		expect(fake.countRequests('models')).toBe(1);
		expect(readPngSize(readFileSync(outputImage))).toEqual({ width: 64, height: 64 });
	}, 180_000);

	it('runs the example with WaveSpeed\'s catalogue down: the upscale goes out unchecked, and its item says so', async () => {
		const { install, env, workDir, fake, credential } = n8n;
		fake.catalogue.down = { answer: 500 };
		const inputImage = join(workDir, 'product-2.png');
		const outputImage = join(workDir, 'upscaled-2.png');
		writeFileSync(inputImage, makePlaceholderPng({ seed: 'product photo 2', width: 96, height: 48 }));
		const workflow = loadEditThenUpscale({ inputImage, outputImage, credential });
		await importWorkflow(install, env, workflow, workDir);

		const record = await executeWorkflow(install, env, workflow.id);
		expect(record.status).toBe('success');
		const [upscaled] = getNodeOutput(record, 'Upscale');
		expect(upscaled.json).toMatchObject({ status: 'completed', inputsChecked: false, costSource: 'quote', estimatedCostUsd: 0.01 });
		expect(String(upscaled.json.inputsNote)).toMatch(/^Inputs sent as given, not checked against a schema: WaveSpeed's model catalogue answered 500/);
		const upscaleTask = fake.tasks.get(String(upscaled.json.id))!;
		expect(upscaleTask.request).toEqual({ image: expect.stringMatching(/\/media\//), target_resolution: '4k', output_format: 'png' });
		expect(fake.requests.filter((request) => request.route === 'model').map((request) => request.path)).toEqual(['/api/v3/wavespeed-ai/image-upscaler']);
		expect(readPngSize(readFileSync(outputImage))).toEqual({ width: 64, height: 64 });
	}, 180_000);
});
