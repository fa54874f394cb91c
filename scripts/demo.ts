/**
 * `npm run demo -- --image photo.png --prompt "…" [--out edited.png]`: runs the example workflow headless through the
 * n8n CLI (`n8n execute`) and writes the edited image to a file.
 */
import { copyFileSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, extname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { DEFAULT_PROMPT, log, setUpDemo } from './lib/demoSetup.ts';
import { executeWorkflow, getNodeOutput } from './lib/localN8n.ts';

async function main(): Promise<void> {
	const { values } = parseArgs({
		options: { image: { type: 'string' }, prompt: { type: 'string' }, out: { type: 'string' } },
	});
	// npm runs scripts from the package folder; INIT_CWD is where the user typed the command.
	const from = (path: string) => resolve(process.env.INIT_CWD ?? process.cwd(), path);
	const image = values.image ? from(values.image) : undefined;
	if (image && !existsSync(image)) throw new Error(`No such image: ${image}`);
	const out = from(values.out ?? (image ? join(image, '..', `${basename(image, extname(image))}.edited.png`) : 'edited.png'));
	// n8n writes into a folder of its own first: its file access is limited to the folders it is given.
	const scratch = mkdtempSync(join(tmpdir(), 'wavespeed-demo-'));

	const setup = await setUpDemo({ inputImage: image, outputImage: join(scratch, 'edited.png'), prompt: values.prompt ?? DEFAULT_PROMPT });
	log(`executing the workflow with ${setup.credentialName}…`);
	const record = await executeWorkflow(setup.install, setup.env, setup.workflowId);
	await setup.fake?.close();
	if (record.status !== 'success') {
		const error = record.data.resultData.error;
		throw new Error(`The workflow failed: ${error?.message ?? record.status}${error?.description ? `\n${error.description}` : ''}`);
	}
	const [item] = getNodeOutput(record, 'WaveSpeed');
	copyFileSync(setup.outputImage, out);
	log(`task ${String(item.json.id)} ${String(item.json.status)}; edited image written to ${out}`);
	process.stdout.write(`${out}\n`);
}

main().catch((error: Error) => {
	log(error.message);
	process.exit(1);
});
