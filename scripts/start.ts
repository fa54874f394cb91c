/**
 * `npm start`: n8n on http://localhost:5678 with this node installed, the example workflow and a credential imported.
 * Without WAVESPEED_API_KEY the credential points at the local WaveSpeed-compatible server started here.
 */
import { log, setUpDemo } from './lib/demoSetup.ts';
import { startN8nServer } from './lib/localN8n.ts';
import { DEMO_OWNER as OWNER, ownerServerEnvironment } from './lib/n8nServer.ts';

const PORT = Number(process.env.N8N_PORT ?? 5678);

async function main(): Promise<void> {
	const { install, env, fake, credentialName, inputImage, outputImage } = await setUpDemo({});
	Object.assign(env, ownerServerEnvironment(install, PORT, OWNER));

	log('starting n8n…');
	const n8n = await startN8nServer(install, env, PORT);
	log(`n8n is ready: http://localhost:${PORT}  (log in as ${OWNER.email} / ${OWNER.password})`);
	log(`open the workflow "WaveSpeed: edit a product photo from disk" and click "Execute workflow"`);
	log(`credential: "${credentialName}"; input ${inputImage}; the edited image is written to ${outputImage}`);
	log('press Ctrl+C to stop');

	const stop = async () => {
		n8n.kill('SIGTERM');
		await fake?.close();
		process.exit(0);
	};
	process.on('SIGINT', () => void stop());
	process.on('SIGTERM', () => void stop());
	n8n.on('exit', (code) => {
		log(`n8n exited (${code})`);
		void fake?.close().then(() => process.exit(code ?? 0));
	});
}

main().catch((error: Error) => {
	log(error.message);
	process.exit(1);
});
