/**
 * `npm run screenshot`: checks the node in n8n's editor with headless Chromium (/usr/bin/chromium or CHROMIUM_PATH;
 * it can reach localhost only) and saves what it saw to docs/screenshots/. Sets up n8n as `npm start` does (same
 * .cache/demo folder: stop `npm start` first) on a free port, autosave off, and stops it at the end. Exits 1, naming
 * each failed check, if the node is missing from the node panel, has no icon, or a parameter is not shown or hidden.
 */
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import puppeteer from 'puppeteer-core';
import type { Browser, ElementHandle, Page } from 'puppeteer-core';

import { log, setUpDemo } from './lib/demoSetup.ts';
import type { DemoSetup } from './lib/demoSetup.ts';
import { findRepoDir, getFreePort, startN8nServer } from './lib/localN8n.ts';

const OWNER = { email: 'demo@example.com', password: 'Wavespeed-demo-1' };
const WORKFLOW_ID = 'wavespeedEditFromFile';
const NODE_TYPE = 'n8n-nodes-wavespeed.waveSpeed';
const ICON = 'wavespeed.svg';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const VIEWPORT = { width: 1280, height: 1000 }; // tall enough for every Edit Image parameter
const LABELS = '[data-test-id="ndv"] label.n8n-input-label';
const ADD_OPTION = '[data-test-id="collection-parameter-add"]';
const problems: string[] = [];
const startedAt = Date.now();

async function main(): Promise<void> {
	const shotsDir = join(findRepoDir(), 'docs', 'screenshots');
	mkdirSync(shotsDir, { recursive: true });
	const profileDir = mkdtempSync(join(tmpdir(), 'wavespeed-chromium-'));
	let demo: DemoSetup | undefined;
	let n8n: ChildProcess | undefined;
	let browser: Browser | undefined;
	try {
		demo = await setUpDemo({});
		step('starting n8n…');
		const port = await getFreePort();
		n8n = await startN8nServer(demo.install, n8nEnvironment(demo, port), port);
		step(`n8n is ready on port ${port}; starting Chromium`);
		browser = await launchBrowser(profileDir);
		await checkEditor(await browser.newPage(), `http://localhost:${port}`, shotsDir);
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

async function checkEditor(page: Page, baseUrl: string, shotsDir: string): Promise<void> {
	const shot = async (name: string) => {
		await page.mouse.move(VIEWPORT.width - 100, VIEWPORT.height - 100); // no hover effects on the parameters
		await page.screenshot({ path: join(shotsDir, name) });
		step(`saved docs/screenshots/${name}`);
	};
	step('signing in');
	await page.goto(`${baseUrl}/signin`, { waitUntil: 'networkidle2' });
	await page.type('input[name="emailOrLdapLoginId"]', OWNER.email);
	await page.type('input[name="password"]', OWNER.password);
	await page.click('[data-test-id="form-submit-button"]');
	if (!(await waitFor(async () => !page.url().includes('/signin'), 15000))) throw new Error(`Signing in as ${OWNER.email} failed`);

	step(`opening workflow ${WORKFLOW_ID}`);
	await page.goto(`${baseUrl}/workflow/${WORKFLOW_ID}`, { waitUntil: 'networkidle2' });
	const canvasNode = `[data-test-id="canvas-node"][data-node-type="${NODE_TYPE}"]`;
	await mustFind(page, canvasNode, `No ${NODE_TYPE} node on the canvas of workflow ${WORKFLOW_ID}: is the package installed?`);
	await checkIconLoaded(page, `${canvasNode} img`, 'Canvas node');

	step('searching the node panel for "WaveSpeed"');
	await page.click('[data-test-id="node-creator-plus-button"]');
	await mustFind(page, '[data-test-id="node-creator-search-bar"]', 'The "+" button did not open the node panel');
	await page.type('[data-test-id="node-creator-search-bar"]', 'WaveSpeed');
	const result = `[data-test-id="item-iterator-item"][data-keyboard-nav-id^="${NODE_TYPE}-"]`;
	const found = await page.waitForSelector(result, { visible: true, timeout: 5000 }).then(Boolean, () => false);
	await shot('node-panel-search.png');
	if (!found) problems.push(`Node panel: searching "WaveSpeed" does not list ${NODE_TYPE}`);
	else {
		await expectVisible(page, 'Node panel', `${result} [data-test-id="node-creator-item-name"]`, ['WaveSpeed'], []);
		await checkIconLoaded(page, `${result} img`, 'Node panel');
	}
	await page.keyboard.press('Escape');

	step('opening the WaveSpeed node');
	await page.click(canvasNode, { count: 2 });
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
	const bcryptjs = join(demo.install.cacheDir, 'node_modules', 'bcryptjs');
	const hash = execFileSync(demo.install.nodeBin, ['-e', `process.stdout.write(require(${JSON.stringify(bcryptjs)}).hashSync(process.argv[1], 10))`, OWNER.password], { encoding: 'utf8' });
	return Object.assign(demo.env, {
		N8N_PORT: String(port),
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_HOST: 'localhost',
		N8N_EDITOR_BASE_URL: `http://localhost:${port}`,
		N8N_SECURE_COOKIE: 'false',
		N8N_INSTANCE_OWNER_MANAGED_BY_ENV: 'true',
		N8N_INSTANCE_OWNER_EMAIL: OWNER.email,
		N8N_INSTANCE_OWNER_FIRST_NAME: 'Demo',
		N8N_INSTANCE_OWNER_LAST_NAME: 'User',
		N8N_INSTANCE_OWNER_PASSWORD_HASH: hash,
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

/** Waits (up to 5 s) until all of `shown` and none of `hidden` are among the `visibleTexts`; a problem otherwise. */
async function expectVisible(page: Page, what: string, selector: string, shown: string[], hidden: string[]): Promise<void> {
	let texts: string[] = [];
	const ok = await waitFor(async () => {
		texts = await visibleTexts(page, selector);
		return shown.every((text) => texts.includes(text)) && !hidden.some((text) => texts.includes(text));
	}, 5000);
	const missing = shown.filter((text) => !texts.includes(text));
	const unexpected = hidden.filter((text) => texts.includes(text));
	if (!ok) problems.push(`${what}: missing [${missing.join(', ')}], should be hidden [${unexpected.join(', ')}]; visible: ${texts.join(', ')}`);
}

/** Opens the Options collection's "Add Option" list, checks its entries and closes it again. */
async function expectOptions(page: Page, what: string, shown: string[], hidden: string[]): Promise<void> {
	const items = 'li.el-select-dropdown__item';
	await page.click(ADD_OPTION);
	await expectVisible(page, what, items, shown, hidden);
	await page.click(ADD_OPTION);
	await waitFor(async () => !(await visibleTexts(page, items)).includes(shown[0]), 3000); // closing animation
}

/** Picks `option` in the dropdown of the parameter named `name`. */
/** Picks an option and checks it took: a click while the dropdown still animates can miss. */
async function selectOption(page: Page, name: string, option: string): Promise<void> {
	const input = `[data-test-id="parameter-input-${name}"]`;
	const item = `xpath///li[contains(@class,"el-select-dropdown__item")][.//*[normalize-space(text())="${option}"]]`;
	for (let attempt = 1; attempt <= 3; attempt++) {
		await page.click(input);
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
	const element = await page.waitForSelector(selector, { visible: true, timeout: 15000 }).catch(() => null);
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
