/**
 * The node in n8n's editor, in a real browser: `npm run screenshot -- --self-test` (scripts/screenshot-editor.ts) in
 * headless Chromium against a real n8n with the package installed. It checks that the node is found by search, its
 * icon loads and each parameter shows and hides as designed, then proves the check can fail: served a node description
 * with one display rule broken, it must report that parameter. Skipped where there is no Chromium (Debian's
 * `chromium`, or CHROMIUM_PATH), except under REQUIRE_CHROMIUM=1 (.ci/run), where a missing browser fails it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { findRepoDir, installN8n } from '../../scripts/lib/localN8n';

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const runIt = existsSync(chromium) || process.env.REQUIRE_CHROMIUM === '1' ? it : it.skip;

describe('the node in n8n’s editor (headless Chromium)', () => {
	runIt('is found, has its icon, shows and hides each parameter as designed, and a broken rule is caught', () => {
		const repoDir = findRepoDir(__dirname);
		const install = installN8n(repoDir);
		const workDir = mkdtempSync(join(tmpdir(), 'wavespeed-editor-'));
		try {
			// Not jest's NODE_ENV=test: n8n logs nothing then, and its CLI imports are judged by their output.
			const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(NODE_ENV|JEST_.*)$/.test(name)));
			const result = spawnSync(
				install.nodeBin,
				['--disable-warning=MODULE_TYPELESS_PACKAGE_JSON', 'scripts/screenshot-editor.ts', '--self-test', '--out', join(workDir, 'shots'), '--work-dir', join(workDir, 'n8n')],
				{ cwd: repoDir, env: { ...env, N8N_CMD: install.n8nCmd, N8N_NODE_BIN: install.nodeBin, N8N_CACHE_DIR: install.cacheDir }, encoding: 'utf8', timeout: 14 * 60_000 },
			);
			const output = `${result.stdout}${result.stderr}`;
			if (result.status !== 0) throw new Error(`npm run screenshot -- --self-test exited ${result.status}:\n${output.trimEnd().split('\n').slice(-25).join('\n')}`);
			expect(output).toContain('self-test: the broken rule was caught');
			expect(output).toContain('all editor checks passed');
		} finally {
			rmSync(workDir, { recursive: true, force: true });
		}
	}, 15 * 60_000);
});
