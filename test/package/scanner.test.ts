/**
 * n8n's verification scan (@n8n/scan-community-package, the version in package.json), on both things it lints when
 * the package is submitted: the published tarball and the source checkout the provenance points at (limited to the
 * scanner's SOURCE_FILE_PATTERNS). scripts/scan-package.mjs calls the scanner's own analyzePackage() with its own
 * configuration, offline, inline `eslint-disable` comments ignored. Both legs must pass; planted violations show that
 * each leg can fail.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { findRepoDir } from '../../scripts/lib/localN8n';
import { copyCheckout } from './checkout';

interface LegResult {
	leg: 'tarball' | 'source';
	passed: boolean;
	message?: string;
	details?: string;
}

const repoDir = findRepoDir(__dirname);

function scan(args: string[]): LegResult[] {
	const result = spawnSync('node', [join(repoDir, 'scripts/scan-package.mjs'), ...args, '--json'], {
		cwd: repoDir,
		encoding: 'utf8',
		maxBuffer: 16 * 1024 * 1024,
	});
	if (!result.stdout.trim()) throw new Error(`scan-package.mjs printed nothing (exit ${result.status}): ${result.stderr}`);
	const legs = JSON.parse(result.stdout) as LegResult[];
	expect(result.status).toBe(legs.every((leg) => leg.passed) ? 0 : 1);
	return legs;
}

function leg(results: LegResult[], name: LegResult['leg']): LegResult {
	return results.find((result) => result.leg === name)!;
}

describe("n8n's verification scanner", () => {
	let workDir: string;
	let checkoutDir: string;
	let tarballDir: string;

	beforeAll(() => {
		workDir = mkdtempSync(join(tmpdir(), 'wavespeed-scan-'));
		checkoutDir = join(workDir, 'checkout');
		copyCheckout(repoDir, checkoutDir);
		// As the release workflow publishes: npm pack of a clean checkout, built by prepack.
		const packed = execFileSync('npm', ['pack', '--silent', '--pack-destination', workDir], { cwd: checkoutDir, encoding: 'utf8' });
		tarballDir = join(workDir, 'package');
		mkdirSync(tarballDir);
		execFileSync('tar', ['-xzf', join(workDir, packed.trim().split('\n').pop()!), '-C', tarballDir, '--strip-components=1']);
	}, 300_000);

	afterAll(() => {
		if (workDir) rmSync(workDir, { recursive: true, force: true });
	});

	it('passes the published tarball and the source checkout', () => {
		const results = scan(['--tarball', tarballDir, '--source', checkoutDir]);
		expect(results.map(({ leg, passed, details }) => ({ leg, passed, details }))).toEqual([
			{ leg: 'tarball', passed: true, details: undefined },
			{ leg: 'source', passed: true, details: undefined },
		]);
	}, 120_000);

	it('fails a tarball with a declaration file or a console call, and a source whose rule is only disabled inline', () => {
		const plantedTarball = join(workDir, 'planted-tarball');
		cpSync(tarballDir, plantedTarball, { recursive: true });
		// What the build emitted before declaration files were left out of it (shortened).
		const declaration = "import type { ICredentialType } from 'n8n-workflow';\nexport declare class WaveSpeedAiApi implements ICredentialType {\n    name: string;\n}\n";
		writeFileSync(join(plantedTarball, 'dist/credentials/WaveSpeedAiApi.credentials.d.ts'), declaration);
		writeFileSync(join(plantedTarball, 'dist/nodes/WaveSpeed/debug.js'), '"use strict";\nconsole.log("debug");\n');

		const plantedSource = join(workDir, 'planted-source');
		for (const entry of ['package.json', 'nodes', 'credentials']) cpSync(join(checkoutDir, entry), join(plantedSource, entry), { recursive: true });
		// The restart webhook declared inline with the rule disabled by a comment, as it was before: the scanner ignores
		// the comment, so the rule written for webhook triggers applies.
		const nodeFile = join(plantedSource, 'nodes/WaveSpeed/WaveSpeed.node.ts');
		const source = readFileSync(nodeFile, 'utf8');
		const planted = source
			.replace('export class WaveSpeed ', '// eslint-disable-next-line @n8n/community-nodes/webhook-lifecycle-complete\nexport class WaveSpeed ')
			.replace(
				'webhooks: resumeWebhooks,',
				"webhooks: [{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: '', restartWebhook: true }],",
			);
		expect(planted).not.toBe(source);
		writeFileSync(nodeFile, planted);

		const results = scan(['--tarball', plantedTarball, '--source', plantedSource]);
		expect(leg(results, 'tarball').passed).toBe(false);
		expect(leg(results, 'tarball').details).toContain('n8n-nodes-base/cred-filename-against-convention');
		expect(leg(results, 'tarball').details).toContain('no-console');
		expect(leg(results, 'source').passed).toBe(false);
		expect(leg(results, 'source').details).toContain('@n8n/community-nodes/webhook-lifecycle-complete');
	}, 120_000);
});
