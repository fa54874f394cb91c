/**
 * The package as npm would publish it, for the end-to-end tests, `npm start` and the demo: built and packed once per
 * source state. Node built-ins only, erasable TypeScript (see localN8n.ts).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Builds dist/ and packs it the way npm would publish it; returns the tarball's path (in `destination`). The tarball
 * of the same sources (what the build and the package read) is built once and copied after: every end-to-end suite
 * installs the package, and a build takes seconds.
 */
export function packPackage(repoDir: string, destination: string): string {
	mkdirSync(destination, { recursive: true });
	// Test files run in parallel may pack at once; one build of dist/ at a time.
	const lock = join(repoDir, '.cache', 'pack.lock');
	mkdirSync(join(repoDir, '.cache'), { recursive: true });
	const deadlineMs = Date.now() + 300_000;
	while (!tryMkdir(lock)) {
		if (Date.now() > deadlineMs) throw new Error(`${lock} is held for over 5 minutes: remove it if no build runs`);
		Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
	}
	try {
		const packed = join(repoDir, '.cache', 'packed', sourcesHash(repoDir));
		let tarball = (existsSync(packed) ? readdirSync(packed) : []).find((name) => name.endsWith('.tgz'));
		if (!tarball) {
			execFileSync('npm', ['run', '--silent', 'build'], { cwd: repoDir, stdio: ['ignore', 'ignore', 'inherit'] });
			rmSync(join(repoDir, '.cache', 'packed'), { recursive: true, force: true });
			mkdirSync(packed, { recursive: true });
			const output = execFileSync('npm', ['pack', '--silent', '--pack-destination', packed], { cwd: repoDir, encoding: 'utf8' });
			tarball = output.trim().split('\n').pop()!;
		}
		copyFileSync(join(packed, tarball), join(destination, tarball));
		return join(destination, tarball);
	} finally {
		rmSync(lock, { recursive: true, force: true });
	}
}

/** A hash of everything the build and `npm pack` read: the package's sources, manifest, build settings and docs. */
function sourcesHash(repoDir: string): string {
	const hash = createHash('sha256');
	const add = (path: string) => {
		const full = join(repoDir, path);
		if (!existsSync(full)) return;
		if (statSync(full).isDirectory()) for (const name of readdirSync(full).sort()) add(join(path, name));
		else hash.update(`${path}\0`).update(readFileSync(full)).update('\0');
	};
	for (const path of ['package.json', 'README.md', 'LICENSE', 'tsconfig.json', 'tsconfig.build.json', 'gulpfile.js', 'nodes', 'credentials']) add(path);
	return hash.digest('hex').slice(0, 16);
}

function tryMkdir(path: string): boolean {
	try {
		mkdirSync(path);
		return true;
	} catch {
		return false;
	}
}
