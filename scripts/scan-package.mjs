#!/usr/bin/env node
/**
 * n8n's verification scan (@n8n/scan-community-package), run here, offline, on what it scans when the package is
 * submitted: the published tarball and the source checkout its npm provenance points at. Its CLI can only download
 * a published version, so this calls what the CLI calls: the scanner's exported analyzePackage(), with its own
 * ESLint configuration (buildScanConfig(), inline `eslint-disable` comments ignored).
 *
 *   npm run scan                                  packs this checkout (prepack builds it) and scans both legs
 *   node scripts/scan-package.mjs --tarball DIR --source DIR [--json]   scans an unpacked tarball and/or a checkout
 *
 * Exit code 1 when a leg has violations.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// eslint-plugin-n8n-nodes-base takes every file for a test fixture named Test.node.ts under NODE_ENV=test (as jest
// sets it), which fails real files on name rules: the scan must run as n8n runs it.
if (process.env.NODE_ENV === 'test') delete process.env.NODE_ENV;
const { analyzePackage, SOURCE_FILE_PATTERNS } = await import('@n8n/scan-community-package/scanner/scanner.mjs');

/**
 * The tarball leg lints every .js, .ts and .json file (analyzePackage's own default), a superset of the `**\/*.js`
 * and package.json that analyzePackageByName gives it in 0.32.0: a declaration file or a stray source in the tarball
 * fails here even where this scanner version would skip it.
 */
const TARBALL_FILE_PATTERNS = ['**/*.js', '**/*.ts', '**/*.json'];

function readArguments(argv) {
	const options = { json: false };
	for (let index = 0; index < argv.length; index++) {
		const argument = argv[index];
		if (argument === '--json') options.json = true;
		else if (argument === '--tarball' || argument === '--source') options[argument.slice(2)] = resolve(argv[++index]);
		else throw new Error(`Unknown argument ${argument}; usage: scan-package.mjs [--tarball DIR] [--source DIR] [--json]`);
	}
	return options;
}

/** npm pack of the checkout (its prepack builds dist/), unpacked into a folder of its own. */
function packAndUnpack(repoDir, workDir) {
	const packed = execFileSync('npm', ['pack', '--silent', '--pack-destination', workDir], { cwd: repoDir, encoding: 'utf8' });
	const tarball = join(workDir, packed.trim().split('\n').pop());
	const unpacked = join(workDir, 'package');
	mkdirSync(unpacked);
	execFileSync('tar', ['-xzf', tarball, '-C', unpacked, '--strip-components=1']);
	return unpacked;
}

async function scanLeg(leg, dir) {
	const result = await analyzePackage(dir, leg === 'source' ? SOURCE_FILE_PATTERNS : TARBALL_FILE_PATTERNS);
	return { leg, dir, passed: result.passed, message: result.message, details: result.details };
}

const options = readArguments(process.argv.slice(2));
let workDir;
if (!options.tarball && !options.source) {
	const repoDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
	workDir = mkdtempSync(join(tmpdir(), 'wavespeed-scan-'));
	options.tarball = packAndUnpack(repoDir, workDir);
	options.source = repoDir;
}
try {
	const results = [];
	if (options.tarball) results.push(await scanLeg('tarball', options.tarball));
	if (options.source) results.push(await scanLeg('source', options.source));
	if (options.json) process.stdout.write(`${JSON.stringify(results)}\n`);
	else
		for (const result of results) {
			const verdict = result.passed ? 'passed' : `FAILED: ${result.message}`;
			process.stdout.write(`${result.leg} (${result.dir}): ${verdict}\n${result.details ?? ''}`);
		}
	process.exitCode = results.every((result) => result.passed) ? 0 : 1;
} finally {
	if (workDir) rmSync(workDir, { recursive: true, force: true });
}
