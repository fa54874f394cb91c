/**
 * Imports run one way, from the node down to transport (issue 31): a folder imports its own files and the folders
 * below it, never one above. Where a lower module needs a decision from above, it is passed down (a parameter, a
 * callback such as the webhook wait's OutputShaping). The order is ARCHITECTURE.md's "Which way imports go".
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';

const NODE_DIR = join(__dirname, '..', '..', 'nodes', 'WaveSpeed');

/** Top to bottom. The node file and the editor's methods sit above everything. */
export const LAYERS = ['', 'methods', 'engine', 'operations', 'webhooks', 'reuse', 'money', 'task', 'media', 'models', 'transport'];
const TOP = new Set(['', 'methods']);

function sourceFiles(dir: string): string[] {
	return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
		const path = join(dir, entry.name);
		if (entry.isDirectory()) return sourceFiles(path);
		return entry.name.endsWith('.ts') ? [path] : [];
	});
}

/** `from './x'` and `from '../folder/x'` of every import and re-export, with the line they start on. */
export function findRelativeImports(text: string): Array<{ spec: string; line: number }> {
	return [...text.matchAll(/^(?:import|export)\b[^;]*?\sfrom\s+'(\.{1,2}\/[^']*)'/gms)].map((match) => ({
		spec: match[1],
		line: text.slice(0, match.index).split('\n').length,
	}));
}

function layerOf(file: string): string {
	const [first, ...rest] = relative(NODE_DIR, file).split(sep);
	return rest.length === 0 ? '' : first;
}

/** Every import from a folder to one above it, as `from.ts:line → target`. */
export function findUpwardImports(files: Array<{ path: string; text: string }>): string[] {
	return files.flatMap(({ path, text }) => {
		const from = layerOf(path);
		return findRelativeImports(text).flatMap(({ spec, line }) => {
			const target = normalize(join(dirname(path), spec));
			const parts = relative(NODE_DIR, target).split(sep);
			// `../transport` is the folder's index; `../WaveSpeed.node` is the node file, at the top.
			const to = parts.length > 1 || LAYERS.includes(parts[0]) ? parts[0] : '';
			if (to === from || TOP.has(from)) return [];
			const known = LAYERS.indexOf(to) >= 0;
			return !known || LAYERS.indexOf(to) < LAYERS.indexOf(from) ? [`${relative(NODE_DIR, path)}:${line} → ${relative(NODE_DIR, target)}`] : [];
		});
	});
}

describe('imports run one way, from the node down to transport', () => {
	it('no folder of nodes/WaveSpeed imports from a folder above it', () => {
		const files = sourceFiles(NODE_DIR).map((path) => ({ path, text: readFileSync(path, 'utf8') }));
		expect(findUpwardImports(files)).toEqual([]);
	});

	it('every folder of nodes/WaveSpeed has its place in the order', () => {
		const folders = readdirSync(NODE_DIR, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
		expect(folders.filter((folder) => !LAYERS.includes(folder))).toEqual([]);
	});

	it('finds an upward import, a type-only one and a re-export (planted)', () => {
		const planted = (folder: string, text: string) => ({ path: join(NODE_DIR, folder, 'planted.ts'), text });
		expect(
			findUpwardImports([
				planted('task', "import { router } from '../engine/router';"),
				planted('webhooks', "import type {\n\tItemOutcome,\n} from '../engine/itemOutcomes';"),
				planted('transport', "export type { Task } from '../task/types';"),
				planted('engine', "import { runTask } from '../task/taskRun';"),
			]),
		).toEqual(['task/planted.ts:1 → engine/router', 'webhooks/planted.ts:1 → engine/itemOutcomes', 'transport/planted.ts:1 → task/types']);
	});
});
