/**
 * `npm start`: n8n on http://localhost:5678 with this node installed, the example workflow and a credential imported.
 * Without WAVESPEED_API_KEY the credential points at the local WaveSpeed-compatible server started here.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

import { log, setUpDemo } from './lib/demoSetup.ts';
import { startN8nServer } from './lib/localN8n.ts';

const PORT = Number(process.env.N8N_PORT ?? 5678);
const OWNER = { email: 'demo@example.com', password: 'Wavespeed-demo-1' };

async function main(): Promise<void> {
	const { install, env, fake, credentialName, inputImage, outputImage } = await setUpDemo({});
	const bcryptjs = join(install.cacheDir, 'node_modules', 'bcryptjs');
	const passwordHash = execFileSync(install.nodeBin, ['-e', `process.stdout.write(require(${JSON.stringify(bcryptjs)}).hashSync(process.argv[1], 10))`, OWNER.password], {
		encoding: 'utf8',
	});
	Object.assign(env, {
		N8N_PORT: String(PORT),
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_HOST: 'localhost',
		N8N_PROTOCOL: 'http',
		N8N_EDITOR_BASE_URL: `http://localhost:${PORT}`,
		N8N_SECURE_COOKIE: 'false',
		N8N_INSTANCE_OWNER_MANAGED_BY_ENV: 'true',
		N8N_INSTANCE_OWNER_EMAIL: OWNER.email,
		N8N_INSTANCE_OWNER_FIRST_NAME: 'Demo',
		N8N_INSTANCE_OWNER_LAST_NAME: 'User',
		N8N_INSTANCE_OWNER_PASSWORD_HASH: passwordHash,
	});

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
