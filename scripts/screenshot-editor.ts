/**
 * `npm run screenshot [-- --out DIR] [--work-dir DIR] [--self-test]`: checks the node in n8n's editor with headless
 * Chromium (/usr/bin/chromium or CHROMIUM_PATH; it can reach localhost only) and saves what it saw to
 * docs/screenshots/ (or DIR). Sets up n8n as `npm start` does (in .cache/demo unless --work-dir: stop `npm start`
 * first) on a free port, autosave off, and stops it at the end. Exits 1, naming each failed check, if the node is
 * missing from the node panel, has no icon, or a parameter is not shown or hidden as designed.
 * --self-test (what `npm test` runs): afterwards, checks the editor again with one display rule broken in the node
 * description the editor is served (Image URLs shown whatever the Image Source), and exits 1 unless that is caught.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import puppeteer from 'puppeteer-core';
import type { Browser, ElementHandle, Page } from 'puppeteer-core';

import { log, setUpDemo } from './lib/demoSetup.ts';
import type { DemoSetup } from './lib/demoSetup.ts';
import { findRepoDir, getFreePort, startN8nServer } from './lib/localN8n.ts';
import { DEMO_OWNER as OWNER, ownerServerEnvironment } from './lib/n8nServer.ts';

const WORKFLOW_ID = 'wavespeedEditFromFile';
const NODE_TYPE = 'n8n-nodes-wavespeed-models.waveSpeed';
const ICON = 'wavespeed.svg';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const VIEWPORT = { width: 1280, height: 1000 }; // tall enough for every Edit Image parameter
const LABELS = '[data-test-id="ndv"] label.n8n-input-label';
const ADD_OPTION = '[data-test-id="collection-parameter-add"]';
// Generous waits: on a loaded 2-core machine a page load or sign-in has taken 30 s. A check that fails costs one
// UI_SETTLE_MS, and a parameter that does not show or hide in that time is reported.
const PAGE_LOAD_MS = 120_000;
const UI_SETTLE_MS = 15_000;
let problems: string[] = [];
const startedAt = Date.now();

async function main(): Promise<void> {
	const { values } = parseArgs({ options: { out: { type: 'string' }, 'work-dir': { type: 'string' }, 'self-test': { type: 'boolean' } } });
	const from = (path: string) => resolve(process.env.INIT_CWD ?? process.cwd(), path);
	const shotsDir = values.out ? from(values.out) : join(findRepoDir(), 'docs', 'screenshots');
	mkdirSync(shotsDir, { recursive: true });
	const profileDir = mkdtempSync(join(tmpdir(), 'wavespeed-chromium-'));
	let demo: DemoSetup | undefined;
	let n8n: ChildProcess | undefined;
	let browser: Browser | undefined;
	try {
		demo = await setUpDemo({ demoDir: values['work-dir'] && from(values['work-dir']) });
		step('starting n8n…');
		const port = await getFreePort();
		n8n = await startN8nServer(demo.install, n8nEnvironment(demo, port), port);
		step(`n8n is ready on port ${port}; starting Chromium`);
		browser = await launchBrowser(profileDir);
		await checkEditor(await browser.newPage(), `http://localhost:${port}`, shotsDir);
		if (values['self-test'] && !problems.length) await selfTest(browser, `http://localhost:${port}`, shotsDir);
	} catch (error) {
		problems.push((error as Error).message);
	} finally {
		await browser?.close();
		rmSync(profileDir, { recursive: true, force: true });
		if (n8n?.exitCode === null) await new Promise((exited) => n8n!.once('exit', exited).kill('SIGTERM'));
		await demo?.fake?.close();
	}
	if (problems.length) throw new Error(`${problems.length} editor check(s) failed:\n  - ${problems.join('\n  - ')}`);
	step('all editor checks passed');
}

/**
 * Proves the checks can fail: a fresh browser session is served a node description whose Image URLs parameter has
 * lost its Image Source rule, and the Edit Image check must report it as shown where it should be hidden.
 */
async function selfTest(browser: Browser, baseUrl: string, shotsDir: string): Promise<void> {
	step('self-test: the same checks with Image URLs\' display rule removed from the served node description');
	const context = await browser.createBrowserContext();
	const page = await context.newPage();
	await page.setRequestInterception(true);
	page.on('request', (request) => {
		if (!new URL(request.url()).pathname.endsWith('/types/nodes.json')) return void request.continue();
		void serveBrokenNodeTypes(page, request.url()).then(
			(body) => request.respond({ status: 200, contentType: 'application/json', body }),
			(error: Error) => request.respond({ status: 500, contentType: 'text/plain', body: error.message }),
		);
	});
	await checkEditor(page, baseUrl, join(shotsDir, 'self-test'));
	await context.close();
	const caught = problems.some((problem) => /^Edit Image: .*should be hidden \[[^\]]*Image URLs/.test(problem));
	step(`self-test: ${caught ? 'the broken rule was caught' : 'the broken rule was NOT caught'} (${problems.length} problem(s))`);
	problems = caught ? [] : [`Self-test: a broken display rule (Image URLs shown for binary input) went unnoticed; problems seen: ${problems.join('; ') || 'none'}`];
}

async function serveBrokenNodeTypes(page: Page, url: string): Promise<string> {
	const cookie = (await page.browserContext().cookies()).map(({ name, value }) => `${name}=${value}`).join('; ');
	const response = await fetch(url, { headers: { cookie } });
	if (!response.ok) throw new Error(`${url} answered ${response.status}`);
	const types = (await response.json()) as Array<{ name: string; properties: Array<{ name: string; displayOptions?: { show?: Record<string, unknown> } }> }>;
	const imageUrls = types.filter((type) => type.name === NODE_TYPE).flatMap((type) => type.properties.filter((property) => property.name === 'imageUrls'));
	if (!imageUrls.some((property) => property.displayOptions?.show?.imageSource)) throw new Error(`No imageUrls rule on imageSource in ${NODE_TYPE}`);
	for (const property of imageUrls) delete property.displayOptions?.show?.imageSource;
	return JSON.stringify(types);
}

async function checkEditor(page: Page, baseUrl: string, shotsDir: string): Promise<void> {
	mkdirSync(shotsDir, { recursive: true });
	page.setDefaultNavigationTimeout(PAGE_LOAD_MS);
	page.setDefaultTimeout(PAGE_LOAD_MS);
	const shot = async (name: string) => {
		await page.mouse.move(VIEWPORT.width - 100, VIEWPORT.height - 100); // no hover effects on the parameters
		await page.screenshot({ path: join(shotsDir, name) });
		step(`saved ${join(shotsDir, name)}`);
	};
	step('signing in');
	await page.goto(`${baseUrl}/signin`, { waitUntil: 'networkidle2' });
	await (await mustFind(page, 'input[name="emailOrLdapLoginId"]', 'No sign-in form')).type(OWNER.email);
	await (await mustFind(page, 'input[name="password"]', 'No password field')).type(OWNER.password);
	await (await mustFind(page, '[data-test-id="form-submit-button"]', 'No sign-in button')).click();
	if (!(await waitFor(async () => !page.url().includes('/signin'), PAGE_LOAD_MS))) throw new Error(`Signing in as ${OWNER.email} failed`);

	step(`opening workflow ${WORKFLOW_ID}`);
	await page.goto(`${baseUrl}/workflow/${WORKFLOW_ID}`, { waitUntil: 'networkidle2' });
	const canvasNode = `[data-test-id="canvas-node"][data-node-type="${NODE_TYPE}"]`;
	await mustFind(page, canvasNode, `No ${NODE_TYPE} node on the canvas of workflow ${WORKFLOW_ID}: is the package installed?`);
	await checkIconLoaded(page, `${canvasNode} img`, 'Canvas node');

	step('searching the node panel for "WaveSpeed"');
	// page.click does not wait: on a loaded machine the canvas shows its nodes seconds before its "+" button
	await (await mustFind(page, '[data-test-id="node-creator-plus-button"]', 'The canvas has no "+" button')).click();
	await mustFind(page, '[data-test-id="node-creator-search-bar"]', 'The "+" button did not open the node panel');
	await page.type('[data-test-id="node-creator-search-bar"]', 'WaveSpeed');
	const result = `[data-test-id="item-iterator-item"][data-keyboard-nav-id^="${NODE_TYPE}-"]`;
	const found = await page.waitForSelector(result, { visible: true, timeout: UI_SETTLE_MS }).then(Boolean, () => false);
	await shot('node-panel-search.png');
	if (!found) problems.push(`Node panel: searching "WaveSpeed" does not list ${NODE_TYPE}`);
	else {
		await expectVisible(page, 'Node panel', `${result} [data-test-id="node-creator-item-name"]`, ['WaveSpeed'], []);
		await checkIconLoaded(page, `${result} img`, 'Node panel');
	}
	await page.keyboard.press('Escape');

	step('opening the WaveSpeed node');
	await (await mustFind(page, canvasNode, `No ${NODE_TYPE} node on the canvas`)).click({ count: 2 });
	await mustFind(page, '[data-test-id="ndv"] [data-test-id="parameter-input-operation"]', 'Double-clicking the WaveSpeed node did not open its parameters');
	await expectVisible(page, 'Edit Image', LABELS, ['Credential', 'Operation', 'Prompt', 'Image Source', 'Input Binary Fields', 'Aspect Ratio', 'Resolution', 'Quality', 'Wait for Completion', 'Options'], ['Image URLs', 'Task ID']);
	const hint = await page.$eval('[data-test-id="ndv"]', (ndv) => String(ndv.innerText).includes('Comma-separated names of binary fields'));
	if (!hint) problems.push('Edit Image: the hint under Input Binary Fields is not shown');
	await expectOptions(page, 'Edit Image options', ['Download Output', 'Max Concurrency', 'Output Binary Field', 'Poll Interval (Seconds)', 'Sync Mode', 'Timeout (Seconds)'], []);
	await shot('edit-image-parameters.png');

	step('switching Image Source to URLs');
	await selectOption(page, 'imageSource', 'URLs');
	await expectVisible(page, 'Image Source = URLs', LABELS, ['Image URLs', 'Aspect Ratio'], ['Input Binary Fields']);
	await shot('edit-image-url-source.png');

	step('switching Operation to Get Result');
	await selectOption(page, 'operation', 'Get Result');
	await expectVisible(page, 'Get Result', LABELS, ['Credential', 'Operation', 'Task ID', 'Wait for Completion', 'Options'], ['Prompt', 'Image Source', 'Image URLs', 'Input Binary Fields', 'Aspect Ratio', 'Resolution', 'Quality']);
	await expectOptions(page, 'Get Result options', ['Download Output', 'Timeout (Seconds)'], ['Sync Mode']);
	await shot('get-result-parameters.png');
}

/** `npm start`'s settings (env-managed owner, loopback) on `port`, plus autosave off: the checks change parameters. */
function n8nEnvironment(demo: DemoSetup, port: number): NodeJS.ProcessEnv {
	return Object.assign(demo.env, ownerServerEnvironment(demo.install, port, OWNER), {
		N8N_LOG_LEVEL: 'warn',
		N8N_WORKFLOWS_AUTOSAVE_DISABLED: 'true',
	});
}

async function launchBrowser(profileDir: string): Promise<Browser> {
	if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: apt-get install chromium, or set CHROMIUM_PATH`);
	const args = ['--headless', '--hide-scrollbars', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--window-size=${VIEWPORT.width},${VIEWPORT.height}`];
	args.push('--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost'); // no host name but localhost resolves
	return await puppeteer.launch({ executablePath: CHROMIUM, headless: false, args, userDataDir: profileDir, defaultViewport: VIEWPORT });
}

/** The first text line of each visible element matching `selector`. */
async function visibleTexts(page: Page, selector: string): Promise<string[]> {
	return await page.$$eval(selector, (els) => els.filter((el) => el.checkVisibility()).map((el) => String(el.innerText).split('\n')[0].trim()));
}

/** Waits (up to UI_SETTLE_MS) until all of `shown` and none of `hidden` are among the `visibleTexts`; a problem otherwise. */
async function expectVisible(page: Page, what: string, selector: string, shown: string[], hidden: string[]): Promise<void> {
	let texts: string[] = [];
	const ok = await waitFor(async () => {
		texts = await visibleTexts(page, selector);
		return shown.every((text) => texts.includes(text)) && !hidden.some((text) => texts.includes(text));
	}, UI_SETTLE_MS);
	const missing = shown.filter((text) => !texts.includes(text));
	const unexpected = hidden.filter((text) => texts.includes(text));
	if (!ok) problems.push(`${what}: missing [${missing.join(', ')}], should be hidden [${unexpected.join(', ')}]; visible: ${texts.join(', ')}`);
}

/** Opens the Options collection's "Add Option" list, checks its entries and closes it again. */
async function expectOptions(page: Page, what: string, shown: string[], hidden: string[]): Promise<void> {
	const items = 'li.el-select-dropdown__item';
	await (await mustFind(page, ADD_OPTION, `${what}: no "Add Option" button`)).click();
	await expectVisible(page, what, items, shown, hidden);
	await (await mustFind(page, ADD_OPTION, `${what}: no "Add Option" button`)).click();
	await waitFor(async () => !(await visibleTexts(page, items)).includes(shown[0]), 3000); // closing animation
}

/** Picks an option and checks it took: a click while the dropdown still animates can miss. */
async function selectOption(page: Page, name: string, option: string): Promise<void> {
	const input = `[data-test-id="parameter-input-${name}"]`;
	const item = `xpath///li[contains(@class,"el-select-dropdown__item")][.//*[normalize-space(text())="${option}"]]`;
	for (let attempt = 1; attempt <= 3; attempt++) {
		await (await mustFind(page, input, `No "${name}" parameter`)).click();
		const element = await mustFind(page, item, `The "${name}" dropdown has no option "${option}"`);
		await new Promise((settle) => setTimeout(settle, 300));
		await element.click();
		const chosen = () => page.$eval(`${input} input`, (field) => (field as unknown as { value: string }).value).catch(() => '');
		if (await waitFor(async () => (await chosen()) === option, 2000)) return;
	}
	throw new Error(`Could not choose "${option}" in the "${name}" dropdown`);
}

async function checkIconLoaded(page: Page, selector: string, where: string): Promise<void> {
	const icon = await page.$$eval(selector, (images) => images.map((image) => ({ src: String(image.getAttribute('src')), width: Number(image.naturalWidth) })));
	if (!icon.some((image) => image.src.endsWith(ICON) && image.width > 0)) problems.push(`${where}: no loaded ${ICON} icon (images: ${JSON.stringify(icon)})`);
}

async function mustFind(page: Page, selector: string, message: string): Promise<ElementHandle> {
	const element = await page.waitForSelector(selector, { visible: true, timeout: PAGE_LOAD_MS }).catch(() => null);
	if (!element) throw new Error(message);
	return element;
}

/** Polls `condition` every 200 ms until it holds (true) or `timeoutMs` passes (false). */
async function waitFor(condition: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
	for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await new Promise((wake) => setTimeout(wake, 200))) {
		if (await condition()) return true;
	}
	return false;
}

function step(message: string): void {
	log(`${((Date.now() - startedAt) / 1000).toFixed(1)}s ${message}`);
}

main().catch((error: Error) => {
	log(error.message);
	process.exit(1);
});
