/**
 * `npm run screenshot`: checks the node in n8n's editor with headless Chromium and saves what it saw to
 * docs/screenshots/. It starts n8n as `npm start` does (on a free port, stopped at the end), or uses a running
 * `npm start` when N8N_URL is set (N8N_URL=http://localhost:5678). Exits 1, naming each failed check, if the node is
 * not in the node panel, has no icon, or a parameter is not shown or hidden as designed. Needs Chromium
 * (Debian: apt-get install chromium; another binary: CHROMIUM_PATH). The browser reaches only localhost.
 */
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import puppeteer from 'puppeteer-core';
import type { Browser, Page } from 'puppeteer-core';

import { log, setUpDemo } from './lib/demoSetup.ts';
import type { DemoSetup } from './lib/demoSetup.ts';
import { findRepoDir, getFreePort, startN8nServer } from './lib/localN8n.ts';

const OWNER = { email: 'demo@example.com', password: 'Wavespeed-demo-1' };
const WORKFLOW_ID = 'wavespeedEditFromFile';
const NODE_TYPE = 'n8n-nodes-wavespeed.waveSpeed';
const ICON = 'wavespeed.svg';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const problems: string[] = [];
const startedAt = Date.now();

function step(message: string): void {
	log(`${((Date.now() - startedAt) / 1000).toFixed(1)}s ${message}`);
}

/** Starts n8n like `npm start`, with the env-managed owner, on a free port. */
async function startN8n(demo: DemoSetup): Promise<{ url: string; n8n: ChildProcess }> {
	const port = await getFreePort();
	const bcryptjs = join(demo.install.cacheDir, 'node_modules', 'bcryptjs');
	const hash = execFileSync(demo.install.nodeBin, ['-e', `process.stdout.write(require(${JSON.stringify(bcryptjs)}).hashSync(process.argv[1], 10))`, OWNER.password], { encoding: 'utf8' });
	Object.assign(demo.env, {
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
	});
	return { url: `http://localhost:${port}`, n8n: await startN8nServer(demo.install, demo.env, port) };
}

async function launchBrowser(profileDir: string): Promise<Browser> {
	if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: apt-get install chromium, or set CHROMIUM_PATH`);
	const args = ['--headless', '--hide-scrollbars', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--window-size=1280,800'];
	// Every host name but localhost fails to resolve, so the page cannot reach anything else.
	args.push('--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost');
	return await puppeteer.launch({ executablePath: CHROMIUM, headless: false, args, userDataDir: profileDir, defaultViewport: { width: 1280, height: 800 } });
}

/** Visible parameter labels of the open node panel (NDV), in order. */
async function visibleLabels(page: Page): Promise<string[]> {
	return await page.$$eval('[data-test-id="ndv"] [data-test-id="parameter-item"]', (items) =>
		items.filter((item) => item.checkVisibility()).map((item) => String(item.innerText).split('\n')[0].trim()),
	);
}

/** Waits (up to 5 s) until `shown` are all visible and `hidden` all absent; records a problem otherwise. */
async function expectLabels(page: Page, what: string, shown: string[], hidden: string[]): Promise<void> {
	let labels: string[] = [];
	const ok = await waitFor(async () => {
		labels = await visibleLabels(page);
		return shown.every((label) => labels.includes(label)) && !hidden.some((label) => labels.includes(label));
	}, 5000);
	if (ok) return;
	const missing = shown.filter((label) => !labels.includes(label));
	const unexpected = hidden.filter((label) => labels.includes(label));
	problems.push(`${what}: ${missing.length ? `not shown: ${missing.join(', ')}; ` : ''}${unexpected.length ? `shown but should be hidden: ${unexpected.join(', ')}; ` : ''}visible: ${labels.join(', ')}`);
}

/** Picks `option` in the dropdown of the parameter named `name`. */
async function selectOption(page: Page, name: string, option: string): Promise<void> {
	await page.click(`[data-test-id="parameter-input-${name}"]`);
	const item = await page
		.waitForSelector(`xpath///li[contains(@class,"el-select-dropdown__item")][.//*[normalize-space(text())="${option}"]]`, { visible: true, timeout: 5000 })
		.catch(() => null);
	if (!item) throw new Error(`The "${name}" dropdown has no option "${option}"`);
	await item.click();
}

async function checkIconLoaded(page: Page, selector: string, where: string): Promise<void> {
	const icon = await page.$$eval(selector, (images) => images.map((image) => ({ src: String(image.getAttribute('src')), width: Number(image.naturalWidth) })));
	if (!icon.some((image) => image.src.endsWith(ICON) && image.width > 0)) problems.push(`${where}: no loaded ${ICON} icon (images: ${JSON.stringify(icon)})`);
}

async function checkEditor(page: Page, baseUrl: string, shotsDir: string): Promise<void> {
	const shot = async (name: string) => {
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
	if (!(await page.waitForSelector(canvasNode, { timeout: 15000 }).catch(() => null))) {
		throw new Error(`No ${NODE_TYPE} node on the canvas of workflow ${WORKFLOW_ID}: is the package installed?`);
	}
	await checkIconLoaded(page, `${canvasNode} img`, 'Canvas node');

	step('searching the node panel for "WaveSpeed"');
	await page.click('[data-test-id="node-creator-plus-button"]');
	await page.waitForSelector('[data-test-id="node-creator-search-bar"]', { visible: true });
	await page.type('[data-test-id="node-creator-search-bar"]', 'WaveSpeed');
	const item = '[data-test-id="node-creator-node-item"]';
	const found = await waitFor(() => page.$$eval(item, (els) => els.some((el) => String(el.innerText).split('\n').includes('WaveSpeed'))), 5000);
	await shot('node-panel-search.png');
	if (found) await checkIconLoaded(page, `${item} img`, 'Node panel');
	else problems.push('Node panel: searching "WaveSpeed" lists no "WaveSpeed" node');
	await page.keyboard.press('Escape');

	step('opening the WaveSpeed node');
	await page.click(canvasNode, { count: 2 });
	if (!(await page.waitForSelector('[data-test-id="ndv"] [data-test-id="parameter-input-operation"]', { visible: true, timeout: 10000 }).catch(() => null))) {
		throw new Error('Double-clicking the WaveSpeed node did not open its parameters');
	}
	await expectLabels(page, 'Edit Image', ['Credential', 'Operation', 'Prompt', 'Image Source', 'Input Binary Fields', 'Aspect Ratio', 'Resolution', 'Quality', 'Wait for Completion', 'Options'], ['Image URLs', 'Task ID']);
	const hint = await page.$eval('[data-test-id="ndv"]', (ndv) => String(ndv.innerText).includes('Comma-separated names of binary fields'));
	if (!hint) problems.push('Edit Image: the hint under Input Binary Fields is not shown');
	await shot('edit-image-parameters.png');

	step('switching Image Source to URLs');
	await selectOption(page, 'imageSource', 'URLs');
	await expectLabels(page, 'Image Source = URLs', ['Image URLs', 'Aspect Ratio'], ['Input Binary Fields']);
	await shot('edit-image-url-source.png');

	step('switching Operation to Get Result');
	await selectOption(page, 'operation', 'Get Result');
	await expectLabels(page, 'Get Result', ['Credential', 'Operation', 'Task ID', 'Wait for Completion', 'Options'], ['Prompt', 'Image Source', 'Image URLs', 'Input Binary Fields', 'Aspect Ratio', 'Resolution', 'Quality']);
	await shot('get-result-parameters.png');
}

/** Polls `condition` every 200 ms until it holds (true) or `timeoutMs` passes (false). */
async function waitFor(condition: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
	for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await new Promise((wake) => setTimeout(wake, 200))) {
		if (await condition()) return true;
	}
	return false;
}

async function main(): Promise<void> {
	const shotsDir = join(findRepoDir(), 'docs', 'screenshots');
	mkdirSync(shotsDir, { recursive: true });
	let demo: DemoSetup | undefined;
	let n8n: ChildProcess | undefined;
	let browser: Browser | undefined;
	const profileDir = mkdtempSync(join(tmpdir(), 'wavespeed-chromium-'));
	try {
		let baseUrl = process.env.N8N_URL?.replace(/\/+$/, '');
		if (!baseUrl) {
			demo = await setUpDemo({});
			step('starting n8n…');
			({ url: baseUrl, n8n } = await startN8n(demo));
		}
		step(`n8n at ${baseUrl}; starting Chromium`);
		browser = await launchBrowser(profileDir);
		await checkEditor(await browser.newPage(), baseUrl, shotsDir);
	} catch (error) {
		problems.push((error as Error).message);
	} finally {
		await browser?.close();
		rmSync(profileDir, { recursive: true, force: true });
		if (n8n && n8n.exitCode === null) {
			const exited = new Promise((resolveExit) => n8n!.once('exit', resolveExit));
			n8n.kill('SIGTERM');
			await exited;
		}
		await demo?.fake?.close();
	}
	if (problems.length) throw new Error(`${problems.length} editor check(s) failed:\n  - ${problems.join('\n  - ')}`);
	step('all editor checks passed');
}

main().catch((error: Error) => {
	log(error.message);
	process.exit(1);
});
