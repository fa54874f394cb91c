/**
 * The README is a front door and docs/ holds the manual (issue 31): a section moved from one page to another must not
 * leave a link behind that goes nowhere. This reads README.md, ARCHITECTURE.md, CHANGELOG.md and docs/*.md and fails
 * on a relative link (or image) whose file or folder does not exist, or whose `#anchor` is not a heading of the page
 * it points to (GitHub's anchor slugs: lower case, punctuation dropped, spaces to hyphens, repeats numbered). It also
 * fails on a path under nodes/ that no longer exists (the folders by concern replaced actions/ and helpers/).
 * Planted cases show that it finds each kind.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** The pages people read: the front door, the manual, and the two other documents at the top. */
function docFiles(): string[] {
	const docs = readdirSync(join(ROOT, 'docs'))
		.filter((name) => name.endsWith('.md'))
		.map((name) => join(ROOT, 'docs', name));
	return [join(ROOT, 'README.md'), join(ROOT, 'ARCHITECTURE.md'), join(ROOT, 'CHANGELOG.md'), ...docs];
}

/** Fenced code blocks and inline code are not links or headings. */
function withoutCode(text: string): string {
	return text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** GitHub's anchor for a heading's text (as github-slugger makes it). */
export function githubSlug(heading: string): string {
	return heading
		.replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
		.replace(/`/g, '')
		.trim()
		.toLowerCase()
		.replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
		.replace(/ /g, '-');
}

/** Every anchor a page has: its headings' slugs (a repeated one gets -1, -2, …) and explicit `<a id|name="…">`. */
export function anchorsOf(text: string): Set<string> {
	const anchors = new Set<string>();
	const seen = new Map<string, number>();
	const noFences = text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
	for (const match of noFences.matchAll(/^#{1,6}[ \t]+(.+?)[ \t#]*$/gm)) {
		const slug = githubSlug(match[1]);
		const count = seen.get(slug) ?? 0;
		seen.set(slug, count + 1);
		anchors.add(count === 0 ? slug : `${slug}-${count}`);
	}
	for (const match of noFences.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(match[1]);
	return anchors;
}

/** `[text](target)` and `![alt](target)` outside code, with the line they are on. */
export function findLinks(text: string): Array<{ target: string; line: number }> {
	const lines = text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, (block) => block.replace(/[^\n]/g, ' ')).split('\n');
	return lines.flatMap((line, index) =>
		[...withoutCode(line).matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((match) => ({ target: match[1], line: index + 1 })),
	);
}

interface Page {
	path: string;
	text: string;
}

/** Every relative link of the pages that goes nowhere, as `page:line → target (why)`. */
export function findBrokenLinks(pages: Page[], readPage: (path: string) => string | undefined = readFromDisk): string[] {
	const anchorCache = new Map<string, Set<string> | undefined>();
	const anchorsAt = (path: string) => {
		if (!anchorCache.has(path)) {
			const text = pages.find((page) => page.path === path)?.text ?? readPage(path);
			anchorCache.set(path, text === undefined ? undefined : anchorsOf(text));
		}
		return anchorCache.get(path);
	};
	return pages.flatMap(({ path, text }) =>
		findLinks(text).flatMap(({ target, line }) => {
			if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return []; // https:, mailto:
			const [file, anchor] = target.split('#', 2) as [string, string | undefined];
			const where = `${relative(ROOT, path)}:${line} → ${target}`;
			const targetPath = file === '' ? path : resolve(dirname(path), decodeURI(file));
			const isPage = pages.some((page) => page.path === targetPath);
			if (!isPage && !existsSync(targetPath)) return [`${where} (no such file)`];
			if (anchor === undefined || anchor === '' || !targetPath.endsWith('.md')) return [];
			const anchors = anchorsAt(targetPath);
			return anchors?.has(decodeURIComponent(anchor)) ? [] : [`${where} (no such heading)`];
		}),
	);
}

function readFromDisk(path: string): string | undefined {
	return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

/** `nodes/WaveSpeed/actions/router.ts`-like paths the text names that do not exist (a folder moved, a file renamed). */
export function findMissingSourcePaths(pages: Page[], exists: (path: string) => boolean = (path) => existsSync(join(ROOT, path))): string[] {
	return pages.flatMap(({ path, text }) =>
		text.split('\n').flatMap((line, index) =>
			[...line.matchAll(/(?<![\w.-])((?:nodes|test\/nodes)\/WaveSpeed(?:Trigger)?\/[\w./-]*[\w/])/g)]
				.map((match) => match[1])
				.filter((named) => !exists(named.replace(/\/$/, '')))
				.map((named) => `${relative(ROOT, path)}:${index + 1} → ${named}`),
		),
	);
}

describe('the README and docs/ link only to what exists', () => {
	const pages = () => docFiles().map((path) => ({ path, text: readFileSync(path, 'utf8') }));

	it('every relative link and anchor resolves', () => {
		expect(findBrokenLinks(pages())).toEqual([]);
	});

	it('every path under nodes/ the documents name exists', () => {
		expect(findMissingSourcePaths(pages())).toEqual([]);
	});

	it('the manual is in docs/, with an index, and the README links to every page of it', () => {
		const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
		const manual = readdirSync(join(ROOT, 'docs')).filter((name) => name.endsWith('.md') && name !== 'README.md');
		expect(manual.length).toBeGreaterThan(0);
		expect(manual.filter((name) => !readme.includes(`](docs/${name}`))).toEqual([]);
	});

	it.each([
		['Errors, retries and money', 'errors-retries-and-money'],
		['Options (Edit Image, Generate Image, Run Model, Get Result)', 'options-edit-image-generate-image-run-model-get-result'],
		["As an AI agent's tool", 'as-an-ai-agents-tool'],
		['Quick start (two commands)', 'quick-start-two-commands'],
		['`npm start` and [the demo](x.md)', 'npm-start-and-the-demo'],
		['Max Concurrency up to 1,000', 'max-concurrency-up-to-1000'],
	])('slugs %s as GitHub does', (heading, slug) => {
		expect(githubSlug(heading)).toBe(slug);
	});

	const at = (name: string) => join(ROOT, 'planted', name);
	const planted = (text: string, others: Page[] = []) =>
		findBrokenLinks([{ path: at('page.md'), text }, ...others], () => undefined).map((found) => found.replace(/^planted\/page\.md:\d+ → /, ''));

	it.each([
		['a missing file', 'See [the guide](missing-guide.md).', ['missing-guide.md (no such file)']],
		['a missing heading on the same page', '# Title\n\nSee [below](#development).', ['#development (no such heading)']],
		['a missing heading on another page', 'See [money](other.md#money).', ['other.md#money (no such heading)']],
		['a missing image', '![shot](screenshots/none.png)', ['screenshots/none.png (no such file)']],
		['a heading only inside a code block', '```md\n## Development\n```\n\n[here](#development)', ['#development (no such heading)']],
		['the second of two equal headings, named without its number', '## Money\n## Money\n[a](#money) [b](#money-1) [c](#money-2)', ['#money-2 (no such heading)']],
	])('finds %s (planted)', (_kind, text, expected) => {
		expect(planted(text, [{ path: at('other.md'), text: '# Other\n\n## Max Cost per Run\n' }])).toEqual(expected);
	});

	it('allows a good link to a heading of another page, a web link, and a link inside code (planted)', () => {
		const text = 'See [cap](other.md#max-cost-per-run), [n8n](https://n8n.io) and `[x](nowhere.md)`.\n\n```\n[y](nowhere.md)\n```';
		expect(planted(text, [{ path: at('other.md'), text: '# Other\n\n## Max Cost per Run\n' }])).toEqual([]);
	});

	it('finds a source path that no longer exists (planted)', () => {
		const text = 'The router is `nodes/WaveSpeed/actions/router.ts`; outputs in nodes/WaveSpeed/media/output.ts.\n[x](../nodes/WaveSpeed/helpers/)';
		expect(findMissingSourcePaths([{ path: at('page.md'), text }])).toEqual([
			'planted/page.md:1 → nodes/WaveSpeed/actions/router.ts',
			'planted/page.md:2 → nodes/WaveSpeed/helpers/',
		]);
	});
});
