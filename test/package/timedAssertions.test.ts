/**
 * The project's tests assert on order and counts in the local server's log, or on a virtual clock: never an upper
 * bound on wall-clock time, which fails whenever the machine is loaded (issue 19). This finds
 * `expect(<wall-clock time>).toBeLessThan(…)` in every test file: the value holds Date.now() or performance.now(),
 * or a name set from them (`const elapsedMs = Date.now() - startedMs`); or the bound adds a literal to a time
 * (`toBeLessThan(request.atMs + 1500)`). Lower bounds (a Retry-After was waited out) cannot fail under load and are
 * allowed, as are times a test computes itself (a simulated schedule). Planted cases show that it finds each form.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

import { findTimedAssertions } from '../support/timedAssertions';

const TEST_DIR = join(__dirname, '..');

function testFiles(dir: string): string[] {
	return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
		const path = join(dir, entry.name);
		if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : testFiles(path);
		return entry.name.endsWith('.test.ts') ? [path] : [];
	});
}

describe('no timed assertions in the tests', () => {
	it('no test bounds wall-clock time from above', () => {
		const found = testFiles(TEST_DIR).flatMap((path) =>
			findTimedAssertions(path, readFileSync(path, 'utf8')).map((line) => `${relative(TEST_DIR, path)}:${line}`),
		);
		expect(found).toEqual([]);
	});

	it.each([
		['elapsed time', 'const startedMs = Date.now();\nawait run();\nexpect(Date.now() - startedMs).toBeLessThan(1500);'],
		['a name set from the clock', 'const startedMs = Date.now();\nconst elapsedMs = Date.now() - startedMs;\nexpect(elapsedMs).toBeLessThanOrEqual(5000);'],
		['two readings of the clock', 'const stoppedAtMs = Date.now();\nconst lastPollMs = Math.max(...polls);\nexpect(lastPollMs - stoppedAtMs).toBeLessThan(2000);'],
		['performance.now()', 'const t0 = performance.now();\nexpect(performance.now() - t0).toBeLessThan(10);'],
		['a logged time plus a margin', 'expect(submits[1].atMs).toBeLessThan(firstDownload.atMs + 1500);'],
	])('finds %s', (_kind, source) => {
		expect(findTimedAssertions('planted.test.ts', source)).toEqual([source.split('\n').length]);
	});

	it.each([
		['order in the log', 'expect(submits[1].atMs).toBeLessThan(first.outputSentAtMs!);'],
		['a lower bound', 'const startedMs = Date.now();\nexpect(Date.now() - startedMs).toBeGreaterThanOrEqual(950);'],
		['a simulated schedule', 'expect(simulate(800, 2000, 6000).latencyMs).toBeLessThanOrEqual(2000);'],
		['a count', 'expect(fake.countRequests("submit")).toBeLessThanOrEqual(13);'],
	])('allows %s', (_kind, source) => {
		expect(findTimedAssertions('planted.test.ts', source)).toEqual([]);
	});
});
