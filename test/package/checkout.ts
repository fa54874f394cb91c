/** A copy of the repository as a fresh clone has it (and as a provenance-attested source archive holds it). */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, statSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository's own files (tracked, or new and not ignored), without dist/; node_modules linked, not copied. */
export function copyCheckout(repoDir: string, destination: string): void {
	const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: repoDir, encoding: 'utf8' })
		.split('\0')
		.filter((file) => file && file !== 'node_modules' && existsSync(join(repoDir, file))); // a worktree's linked node_modules
	for (const file of files) {
		mkdirSync(dirname(join(destination, file)), { recursive: true });
		// Timestamps kept: a package-lock.json newer than node_modules would make the build's scripts/with-deps.sh run
		// `npm ci` in the copy, and so empty the linked node_modules of the repository itself.
		cpSync(join(repoDir, file), join(destination, file), { preserveTimestamps: true });
	}
	symlinkSync(join(repoDir, 'node_modules'), join(destination, 'node_modules'));
	const installed = join(repoDir, 'node_modules', '.package-lock.json');
	if (!existsSync(installed) || statSync(join(destination, 'package-lock.json')).mtimeMs > statSync(installed).mtimeMs) {
		throw new Error('node_modules is missing or older than package-lock.json: run `npm run jest` (it installs first)');
	}
}
