#!/usr/bin/env bash
# `npm test`: everything, on a fresh clone too. Lint (both n8n rule sets), type checks against n8n-workflow 2.x and
# 1.x, build, then every jest test (unit, local-server integration, n8n-core executor workflows, and the end-to-end
# test in a real n8n, which installs n8n into .cache/n8n on first use), then the node's tests again on n8n-workflow 1.x.
# The real-n8n tests include queue mode (test/e2e/queueMode.e2e.test.ts: Redis, installed with apt-get when missing,
# Postgres from npm, a main process and two workers). The same end-to-end tests on n8n 1.x: `npm run test:e2e:n8n-v1`
# (it installs n8n 1.x into .cache/n8n-v1 first), which .ci/run runs after this.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[ -x node_modules/.bin/jest ] || npm ci --no-audit --no-fund
step() { printf '\n== %s\n' "$*"; }
step lint;               npm run --silent lint
step typecheck;          npm run --silent typecheck
step build;              npm run --silent build
step "jest (n8n-workflow 2.x)"; npx jest "$@"
step "jest (n8n-workflow 1.x)"; npm run --silent test:n8n-workflow-v1
