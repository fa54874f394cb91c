const { availableParallelism, cpus } = require('node:os');

/** Each end-to-end file runs its own n8n (a start-up loads the cores): 3 at once; other files mostly wait: many. */
function defaultWorkers() {
	if (process.argv.some((arg) => arg.includes('e2e'))) return 3;
	return Math.max(6, 3 * (availableParallelism?.() ?? cpus().length));
}

/**
 * Most test files spend their time waiting (on the local servers' delays, n8n's replies), not computing: more workers
 * than cores (at least 6) finish sooner. JEST_MAX_WORKERS or --maxWorkers overrides it (scripts/test.sh runs the
 * end-to-end files, each with its own n8n, on fewer).
 *
 * `N8N_WORKFLOW_MAJOR=1 npm test` runs the same tests with n8n-workflow 1.x (installed as n8n-workflow-v1), so the node
 * keeps working in n8n 1.x, which cannot be installed here.
 * @type {import('jest').Config}
 */
module.exports = {
	testEnvironment: 'node',
	roots: ['<rootDir>/test'],
	testMatch: ['**/*.test.ts'],
	transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
	testTimeout: 30000,
	maxWorkers: process.env.JEST_MAX_WORKERS || defaultWorkers(),
	reporters: ['default', '<rootDir>/test/support/plainSummaryReporter.js'],
	testSequencer: '<rootDir>/test/support/slowestFirstSequencer.js',
	resolver: process.env.N8N_WORKFLOW_MAJOR === '1' ? '<rootDir>/test/support/n8nWorkflowV1Resolver.js' : undefined,
};
