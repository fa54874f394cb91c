/**
 * What `npm pack` / `npm publish` put in the tarball, from a copy of the repository without dist/ (as a fresh clone
 * is): `prepack` must build the node first, and the tarball must hold every file n8n loads and nothing else.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { findRepoDir } from '../../scripts/lib/localN8n';
import { copyCheckout } from './checkout';

interface Manifest {
	license: string;
	files: string[];
	dependencies?: Record<string, string>;
	peerDependencies?: Record<string, string>;
	peerDependenciesMeta?: Record<string, { optional?: boolean }>;
	n8n: { nodes: string[]; credentials: string[] };
}

const repoDir = findRepoDir(__dirname);
const manifest = JSON.parse(readFileSync(join(repoDir, 'package.json'), 'utf8')) as Manifest;

/** The sources that must arrive in dist/ as built files or copied assets. */
function expectedDistFiles(): string[] {
	const sources = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', 'nodes', 'credentials'], { cwd: repoDir, encoding: 'utf8' })
		.split('\n')
		.filter(Boolean);
	return sources.flatMap((file) => {
		if (file.endsWith('.ts')) return [`dist/${file.replace(/\.ts$/, '.js')}`];
		if (/\.(svg|png|node\.json)$/.test(file)) return [`dist/${file}`];
		return [];
	});
}

describe('the published tarball', () => {
	let packed: string[];
	let workDir: string;

	beforeAll(() => {
		workDir = mkdtempSync(join(tmpdir(), 'wavespeed-pack-'));
		copyCheckout(repoDir, workDir);
		expect(existsSync(join(workDir, 'dist'))).toBe(false);
		// The project's own .npmrc applies, as it does to `npm publish` in the release workflow.
		const output = execFileSync('npm', ['pack', '--dry-run', '--json'], { cwd: workDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
		// The build's own lines (from prepack) come first; npm's JSON report is last.
		const report = JSON.parse(output.slice(output.lastIndexOf('\n[\n') + 1)) as Array<{ files: Array<{ path: string }> }>;
		packed = report[0].files.map((file) => file.path).sort();
	}, 300_000);

	afterAll(() => {
		if (workDir) rmSync(workDir, { recursive: true, force: true });
	});

	it('is built by prepack: it holds every node, credential, icon and codex file n8n loads', () => {
		expect(packed).toEqual(expect.arrayContaining([...manifest.n8n.nodes, ...manifest.n8n.credentials]));
		expect(packed).toEqual(expect.arrayContaining(expectedDistFiles()));
		expect(packed).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE']));
	});

	it('holds nothing but dist/, the README, the licence and package.json: no sources, tests or tooling', () => {
		const others = packed.filter((file) => !file.startsWith('dist/') && !['package.json', 'README.md', 'LICENSE'].includes(file));
		expect(others).toEqual([]);
		expect(packed.filter((file) => file.endsWith('.ts'))).toEqual([]);
		expect(packed.filter((file) => /(^|\/)(test|scripts|bench|examples)\//.test(file) || file.includes('tsbuildinfo'))).toEqual([]);
	});

	it('holds what n8n loads and nothing for a compiler: no declaration files, no source maps', () => {
		// n8n requires the .js files and reads the codex and icons; .d.ts and .map files only weighed the tarball down
		// (138 kB packed with them, 81 kB without) and n8n's scanner lints a .d.ts as a misnamed credential source.
		expect(packed.filter((file) => /\.(d\.ts|map)$/.test(file))).toEqual([]);
		const kinds = new Set(packed.filter((file) => file.startsWith('dist/')).map((file) => file.replace(/^.*?(\.node\.json|\.[a-z]+)$/, '$1')));
		expect([...kinds].sort()).toEqual(['.js', '.node.json', '.svg']);
	});

	it('installs alone: no runtime dependencies, n8n-workflow an optional peer (n8n provides it)', () => {
		expect(manifest.dependencies ?? {}).toEqual({});
		expect(Object.keys(manifest.peerDependencies ?? {})).toEqual(['n8n-workflow']);
		expect(manifest.peerDependenciesMeta?.['n8n-workflow']?.optional).toBe(true);
	});

	it('is MIT licensed, with the licence text in the package', () => {
		expect(manifest.license).toBe('MIT');
		expect(readFileSync(join(repoDir, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n[\s\S]*Permission is hereby granted, free of charge/);
	});
});
