/**
 * A private npm registry on 127.0.0.1 (Verdaccio, a dev dependency) for the install tests: this package is published
 * to it, then installed from it by n8n's community-package installer and by a plain `npm install`. It has no uplink,
 * so it serves only what was published to it and never reaches another registry. Node built-ins only, and erasable
 * TypeScript (jest and Node 24 both run it).
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { getFreePort } from './localN8n.ts';

export interface LocalRegistry {
	/** http://127.0.0.1:PORT (no trailing slash). */
	url: string;
	/** An npm user config with this registry and a publish token for it, and nothing else. */
	npmrc: string;
	stop(): Promise<void>;
}

const USER = { name: 'wavespeed-e2e', password: 'local-registry-only' };

/**
 * Starts Verdaccio with its storage under `dir`. Verdaccio 6 needs Node 22 or newer: pass n8n's Node 24.
 */
export async function startLocalRegistry(repoDir: string, dir: string, nodeBin: string): Promise<LocalRegistry> {
	mkdirSync(join(dir, 'storage'), { recursive: true });
	const port = await getFreePort();
	const url = `http://127.0.0.1:${port}`;
	const config = join(dir, 'verdaccio.yaml');
	writeFileSync(
		config,
		[
			`storage: ${JSON.stringify(join(dir, 'storage'))}`,
			'auth:',
			'  htpasswd:',
			`    file: ${JSON.stringify(join(dir, 'htpasswd'))}`,
			'    max_users: 1',
			'uplinks: {}',
			'packages:',
			"  '**':",
			'    access: $all',
			'    publish: $authenticated',
			'    unpublish: $authenticated',
			'web:',
			'  enable: false',
			'log: { type: stdout, format: pretty, level: warn }',
			'',
		].join('\n'),
	);
	const bin = join(repoDir, 'node_modules', 'verdaccio', 'bin', 'verdaccio');
	const child = spawn(nodeBin, [bin, '--config', config, '--listen', `127.0.0.1:${port}`], {
		cwd: dir,
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let output = '';
	child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
	child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
	const stop = () => stopChild(child);
	try {
		await waitForPing(child, url, () => output);
		const token = await addUser(url);
		const npmrc = join(dir, 'npmrc');
		writeFileSync(npmrc, `registry=${url}/\n//127.0.0.1:${port}/:_authToken=${token}\n`);
		return { url, npmrc, stop };
	} catch (error) {
		await stop();
		throw error;
	}
}

async function waitForPing(child: ChildProcess, url: string, output: () => string): Promise<void> {
	const deadlineMs = Date.now() + 60_000;
	while (Date.now() < deadlineMs) {
		if (child.exitCode !== null) throw new Error(`Verdaccio exited with code ${child.exitCode}:\n${output()}`);
		const ok = await fetch(`${url}/-/ping`).then((response) => response.ok, () => false);
		if (ok) return;
		await new Promise((wake) => setTimeout(wake, 250));
	}
	throw new Error(`Verdaccio did not answer on ${url} within 60 s:\n${output()}`);
}

/** Registers the one user (as `npm adduser` does) and returns its token. */
async function addUser(url: string): Promise<string> {
	const response = await fetch(`${url}/-/user/org.couchdb.user:${USER.name}`, {
		method: 'PUT',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ name: USER.name, password: USER.password, type: 'user', roles: [] }),
	});
	const body = (await response.json()) as { token?: string; error?: string };
	if (!response.ok || !body.token) throw new Error(`Could not add a user to Verdaccio: ${response.status} ${JSON.stringify(body)}`);
	return body.token;
}

/** `npm publish` of a packed tarball to the registry (no lifecycle scripts: the tarball is already built). */
export function publishTarball(registry: LocalRegistry, tarball: string): void {
	execFileSync('npm', ['publish', tarball, '--userconfig', registry.npmrc, '--registry', `${registry.url}/`, '--ignore-scripts', '--no-provenance'], {
		stdio: ['ignore', 'pipe', 'pipe'],
	});
}

async function stopChild(child: ChildProcess): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null) return;
	await new Promise((exited) => child.once('exit', exited).kill('SIGTERM'));
}
