/**
 * The GitHub Actions workflows: valid for GitHub (checked by action-validator against GitHub's workflow schema), and
 * doing what a release needs: CI runs .ci/run; a version tag is tested, then published with a provenance statement
 * through npm's trusted publishing (OIDC: the job may request an id token, and no npm token is used).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { findRepoDir } from '../../scripts/lib/localN8n';

const repoDir = findRepoDir(__dirname);
const workflowsDir = join(repoDir, '.github', 'workflows');
const read = (name: string) => readFileSync(join(workflowsDir, name), 'utf8');

function validate(file: string) {
	const result = spawnSync(process.execPath, [join(repoDir, 'node_modules', '@action-validator', 'cli', 'cli.mjs'), file], { encoding: 'utf8' });
	return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('GitHub Actions workflows', () => {
	it.each(readdirSync(workflowsDir).filter((name) => /\.ya?ml$/.test(name)))('%s passes action-validator', (name) => {
		const { status, output } = validate(join(workflowsDir, name));
		expect(output).toBe('');
		expect(status).toBe(0);
	});

	it('action-validator rejects a broken workflow (so the checks above can fail)', () => {
		const dir = mkdtempSync(join(tmpdir(), 'wavespeed-workflows-'));
		try {
			const broken = join(dir, 'publish.yml');
			writeFileSync(broken, read('publish.yml').replace(/^      id-token: write$/m, '      id-token: writ'));
			const { status, output } = validate(broken);
			expect(status).not.toBe(0);
			expect(output).toContain('/permissions/id-token');
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});

	it('ci.yml runs .ci/run on pushes and pull requests, and can be called by the release', () => {
		const ci = read('ci.yml');
		expect(ci).toMatch(/^on:\n(  .*\n)*  push:\n(  .*\n)*  pull_request:\n(  .*\n)*  workflow_call:/m);
		expect(ci).toMatch(/- run: bash \.ci\/run$/m);
	});

	it('publish.yml: on a version tag, tests (ci.yml), lints, builds, then publishes with provenance over OIDC', () => {
		const publish = read('publish.yml');
		expect(publish).toMatch(/^on:\n  push:\n    tags: \['v\*\.\*\.\*'\]$/m);
		expect(publish).toMatch(/^  test:\n    uses: \.\/\.github\/workflows\/ci\.yml$/m);
		expect(publish).toMatch(/^  publish:\n    needs: test$/m);
		expect(publish).toMatch(/^    permissions:\n      contents: read\n      id-token: write$/m);
		const steps = publish.slice(publish.indexOf('\n  publish:'));
		const order = ['npm ci', 'npm run lint', 'npm run build', 'npm run jest', 'npm publish --provenance'].map((command) => steps.indexOf(`run: ${command}`));
		expect(order.every((index, i) => index > 0 && (i === 0 || index > order[i - 1]))).toBe(true);
		// Trusted publishing needs no token: none may be configured (it would be used instead of OIDC).
		expect(publish).not.toMatch(/NODE_AUTH_TOKEN|NPM_TOKEN|secrets\./);
	});
});
