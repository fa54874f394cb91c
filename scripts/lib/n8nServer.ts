/**
 * A running `n8n start` with an owner account: the settings that make n8n create the owner from the environment, and
 * a small client for n8n's REST API signed in as that owner (what the editor's pages call). Used by `npm start`, the
 * editor check and the community-package install test. Node built-ins only, erasable TypeScript.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';

import type { N8nInstall } from './localN8n.ts';

export interface Owner {
	email: string;
	password: string;
}

export const DEMO_OWNER: Owner = { email: 'demo@example.com', password: 'Wavespeed-demo-1' };

/** `n8n start` on 127.0.0.1:`port`, reached as http://localhost:`port`, with `owner` set up from the environment. */
export function ownerServerEnvironment(install: N8nInstall, port: number, owner: Owner): Record<string, string> {
	// n8n keeps only a bcrypt hash of the owner's password; hash it with n8n's own bcryptjs.
	const bcryptjs = join(install.cacheDir, 'node_modules', 'bcryptjs');
	const hashScript = `process.stdout.write(require(${JSON.stringify(bcryptjs)}).hashSync(process.argv[1], 10))`;
	const passwordHash = execFileSync(install.nodeBin, ['-e', hashScript, owner.password], { encoding: 'utf8' });
	return {
		N8N_PORT: String(port),
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_HOST: 'localhost',
		N8N_PROTOCOL: 'http',
		N8N_EDITOR_BASE_URL: `http://localhost:${port}`,
		N8N_SECURE_COOKIE: 'false',
		N8N_INSTANCE_OWNER_MANAGED_BY_ENV: 'true',
		N8N_INSTANCE_OWNER_EMAIL: owner.email,
		N8N_INSTANCE_OWNER_FIRST_NAME: 'Demo',
		N8N_INSTANCE_OWNER_LAST_NAME: 'User',
		N8N_INSTANCE_OWNER_PASSWORD_HASH: passwordHash,
	};
}

export interface N8nRestClient {
	/** Calls /rest`path` as the signed-in owner; returns the reply's `data`, throws with n8n's message otherwise. */
	call<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
}

/** Signs in as `owner` (POST /rest/login, as the sign-in page does) and keeps the session cookie. */
export async function signInAsOwner(baseUrl: string, owner: Owner): Promise<N8nRestClient> {
	const browserId = randomUUID(); // the editor sends one; n8n binds the session to it
	const send = async (method: string, path: string, body: unknown, cookie?: string) =>
		await fetch(`${baseUrl}/rest${path}`, {
			method,
			headers: { 'content-type': 'application/json', 'browser-id': browserId, ...(cookie ? { cookie } : {}) },
			body: body === undefined ? undefined : JSON.stringify(body),
			signal: AbortSignal.timeout(300_000),
		});
	const login = await send('POST', '/login', { emailOrLdapLoginId: owner.email, password: owner.password });
	const cookie = login.headers.getSetCookie().map((header) => header.split(';')[0]).find((pair) => pair.startsWith('n8n-auth='));
	if (!login.ok || !cookie) throw new Error(`Signing in to n8n as ${owner.email} failed: ${login.status} ${await login.text()}`);
	return {
		async call<T>(method: string, path: string, body?: unknown): Promise<T> {
			const response = await send(method, path, body, cookie);
			const text = await response.text();
			if (!response.ok) throw new Error(`n8n ${method} /rest${path} answered ${response.status}: ${text.slice(0, 2000)}`);
			return (text ? (JSON.parse(text) as { data: T }).data : undefined) as T;
		},
	};
}
