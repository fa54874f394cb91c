/**
 * The published package's names against the other WaveSpeed packages for n8n. n8n keys community packages by package
 * name, node types by `<package>.<node name>`, and credential types by the credential's `name` alone, across every
 * installed package: a shared name means one package replaces or breaks the other. So the tarball `npm publish` would
 * send (packed from a clean copy, built by prepack) must share none of them.
 *
 * What is known of the others, from public sources read for issue 30 (their code on GitHub, their npm file listings,
 * WaveSpeed's docs page "Using in N8N"):
 * - `@wavespeed/n8n-nodes-wavespeed` (WaveSpeed's own, 0.1.x): node `waveSpeed`, usable as a tool; credential
 *   `wavespeedApi` (github.com/WaveSpeedAI/n8n-nodes-wavespeed, credentials/WavespeedApi.credentials.ts).
 * - `n8n-node-wavespeed` (the name WaveSpeed's docs page gives) and `n8n-nodes-wavespeed` (1.0.3, another author, the
 *   same README): nodes WaveSpeed Task Submit, Task Submit by JSON, Task Status, Upload Media, Loras; a credential shown
 *   as "WaveSpeed API". Their internal names are not public: every node type of theirs starts with their package name,
 *   and `wavespeedApi`, the name n8n's convention gives "WaveSpeed API", is compared without regard to case.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

import { findRepoDir } from '../../scripts/lib/localN8n';
import { copyCheckout } from './checkout';

interface KnownPackage {
	name: string;
	/** Node types as n8n forms them, where public sources show the node's name. */
	nodeTypes: string[];
	/** Credential type names seen in its code, or derived from its credential's display name (see above). */
	credentialTypes: string[];
}

const KNOWN_PACKAGES: KnownPackage[] = [
	{
		name: '@wavespeed/n8n-nodes-wavespeed',
		nodeTypes: ['@wavespeed/n8n-nodes-wavespeed.waveSpeed', '@wavespeed/n8n-nodes-wavespeed.waveSpeedTool'],
		credentialTypes: ['wavespeedApi'],
	},
	{ name: 'n8n-node-wavespeed', nodeTypes: [], credentialTypes: ['wavespeedApi'] },
	{ name: 'n8n-nodes-wavespeed', nodeTypes: [], credentialTypes: ['wavespeedApi'] },
];

interface BuiltNames {
	packageName: string;
	nodeTypes: string[];
	credentialTypes: string[];
}

/** Every way a package's names can meet one of the known packages' in n8n; empty when none does. */
function findClashes(ours: BuiltNames): string[] {
	const clashes: string[] = [];
	for (const known of KNOWN_PACKAGES) {
		if (ours.packageName.toLowerCase() === known.name.toLowerCase()) clashes.push(`package name ${ours.packageName} is ${known.name}'s`);
		for (const type of ours.nodeTypes) {
			if (known.nodeTypes.includes(type) || type.startsWith(`${known.name}.`)) clashes.push(`node type ${type} is in ${known.name}'s namespace`);
		}
		for (const credential of ours.credentialTypes) {
			if (known.credentialTypes.some((theirs) => theirs.toLowerCase() === credential.toLowerCase())) clashes.push(`credential type ${credential} is ${known.name}'s`);
		}
	}
	return clashes;
}

const repoDir = findRepoDir(__dirname);

/** The names n8n would register for the unpacked package: each file's class (named as the file, as n8n finds it). */
function readBuiltNames(packageDir: string): BuiltNames {
	const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { name: string; n8n: { nodes: string[]; credentials: string[] } };
	const load = <T>(files: string[], read: string): T[] => {
		const classes = files.map((file) => ({ path: join(packageDir, file), name: basename(file).replace(/\.(node|credentials)\.js$/, '') }));
		const script = `for (const { path, name } of ${JSON.stringify(classes)}) { const C = require(path)[name]; console.log(JSON.stringify(${read})); }`;
		// Loaded with plain Node, n8n-workflow from this checkout's node_modules, as n8n lends its own to the packages it loads.
		const output = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, NODE_PATH: join(repoDir, 'node_modules') } });
		return output.trim().split('\n').map((line) => JSON.parse(line) as T);
	};
	const nodes = load<[string, boolean]>(manifest.n8n.nodes, '(({ description: d }) => [d.name, d.usableAsTool === true])(new C())');
	return {
		packageName: manifest.name,
		// n8n registers a node usable as a tool a second time, as `<name>Tool`.
		nodeTypes: nodes.flatMap(([name, tool]) => [`${manifest.name}.${name}`, ...(tool ? [`${manifest.name}.${name}Tool`] : [])]),
		credentialTypes: load<string>(manifest.n8n.credentials, 'new C().name'),
	};
}

describe('no name clash with the other WaveSpeed packages', () => {
	let workDir: string;
	let built: BuiltNames;

	beforeAll(() => {
		workDir = mkdtempSync(join(tmpdir(), 'wavespeed-names-'));
		const checkoutDir = join(workDir, 'checkout');
		copyCheckout(repoDir, checkoutDir);
		// As the release workflow publishes: npm pack of a clean checkout, built by prepack.
		const packed = execFileSync('npm', ['pack', '--silent', '--pack-destination', workDir], { cwd: checkoutDir, encoding: 'utf8' });
		const packageDir = join(workDir, 'package');
		mkdirSync(packageDir);
		execFileSync('tar', ['-xzf', join(workDir, packed.trim().split('\n').pop()!), '-C', packageDir, '--strip-components=1']);
		built = readBuiltNames(packageDir);
	}, 300_000);

	afterAll(() => {
		if (workDir) rmSync(workDir, { recursive: true, force: true });
	});

	it('reads the names n8n would register from the tarball', () => {
		expect(built.packageName).toMatch(/^n8n-nodes-/);
		expect(built.nodeTypes).toEqual([`${built.packageName}.waveSpeed`, `${built.packageName}.waveSpeedTool`, `${built.packageName}.waveSpeedTrigger`]);
		expect(built.credentialTypes).toEqual(['waveSpeedAiApi']);
	});

	it("shares no package name, node type or credential type with @wavespeed/n8n-nodes-wavespeed, n8n-node-wavespeed or n8n-nodes-wavespeed", () => {
		expect(findClashes(built)).toEqual([]);
	});

	it('finds a clash where there is one (so the check above can fail)', () => {
		const asBefore = { packageName: 'n8n-nodes-wavespeed', nodeTypes: ['n8n-nodes-wavespeed.waveSpeed'], credentialTypes: ['waveSpeedAiApi'] };
		expect(findClashes(asBefore)).toEqual([
			"package name n8n-nodes-wavespeed is n8n-nodes-wavespeed's",
			"node type n8n-nodes-wavespeed.waveSpeed is in n8n-nodes-wavespeed's namespace",
		]);
		const officialCredential = { ...built, credentialTypes: ['WavespeedApi'] };
		expect(findClashes(officialCredential)).toContain("credential type WavespeedApi is @wavespeed/n8n-nodes-wavespeed's");
		const officialNode = { ...built, packageName: '@wavespeed/n8n-nodes-wavespeed', nodeTypes: ['@wavespeed/n8n-nodes-wavespeed.waveSpeed'] };
		expect(findClashes(officialNode)).toContain("node type @wavespeed/n8n-nodes-wavespeed.waveSpeed is in @wavespeed/n8n-nodes-wavespeed's namespace");
	});
});
