/**
 * Jest runs a file list on a few workers: the run ends when its longest file does. Jest starts first the files that took
 * longest last time, but a fresh clone (CI) has no such record and starts the largest files first. These end-to-end
 * files are the slowest by measurement (each waits on n8n's own clocks and start-ups), so they start first everywhere,
 * in this order; every other file follows in jest's own order.
 */
const Sequencer = require('@jest/test-sequencer').default;

const SLOWEST_FIRST = ['webhookWait.e2e', 'idempotency.e2e', 'crashRecovery.e2e', 'editor.e2e', 'queueMode.e2e', 'communityInstall.e2e', 'crashRecoveryRestart.e2e'];

function rank(path) {
	const index = SLOWEST_FIRST.findIndex((name) => path.endsWith(`${name}.test.ts`));
	return index < 0 ? SLOWEST_FIRST.length : index;
}

class SlowestFirstSequencer extends Sequencer {
	sort(tests) {
		// Array.prototype.sort is stable: jest's order is kept among files of equal rank.
		return super.sort(tests).sort((a, b) => rank(a.path) - rank(b.path));
	}
}

module.exports = SlowestFirstSequencer;
