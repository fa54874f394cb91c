#!/usr/bin/env bash
# `npm test`: everything, on a fresh clone too (the phases' times are printed at the end; `npm test -- <paths>` runs
# only those jest files). Lint (both n8n rule sets), type checks against n8n-workflow 2.x and
# 1.x, build, n8n for the end-to-end tests (installed into .cache/n8n on first use), then every jest test (unit,
# local-server integration, n8n-core executor workflows, packaging, the end-to-end tests in a real n8n and the
# editor check in headless Chromium), then the node's tests again on n8n-workflow 1.x.
# The real-n8n tests include queue mode (test/e2e/queueMode.e2e.test.ts: Redis, installed with apt-get when missing,
# Postgres from npm, a main process and two workers). The same end-to-end tests on n8n 1.x: `npm run test:e2e:n8n-v1`
# (it installs n8n 1.x into .cache/n8n-v1 first), which .ci/run runs after this.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/with-deps.sh
# Each phase's duration, printed at the end (also when a phase fails): where the time goes.
phases=(); phase=''; phase_start=0
step() {
  [ -n "$phase" ] && phases+=("$(printf '%6ss  %s' $((SECONDS - phase_start)) "$phase")")
  phase="$1"; phase_start=$SECONDS
  [ "$1" = end ] || printf '\n== %s (%ss)\n' "$1" "$SECONDS"
}
summary() { step end; printf '\nphases:\n'; printf '%s\n' "${phases[@]}"; printf '%6ss  total\n' "$SECONDS"; }
trap summary EXIT
step lint;      npm run --silent lint
step typecheck; npm run --silent typecheck
step build;     npm run --silent build
if [ $# -gt 0 ]; then
  step "n8n for the end-to-end tests"; bash scripts/install-n8n.sh >/dev/null
  step "jest $*"; npx jest "$@"
  exit
fi
# Unit, local-server and executor tests first (seconds each, mostly waiting: many workers), then the end-to-end files
# side by side, each with its own n8n, user folder, database and ports (E2E_WORKERS of them at once: n8n's start-up
# is what loads the cores). The node's tests on n8n-workflow 1.x run meanwhile (they wait, they hardly compute); their
# output is shown after the end-to-end tests'.
step "jest: unit, executor, package (n8n-workflow 2.x)"; npx jest --testPathIgnorePatterns=/test/e2e/
# Before the end-to-end tests, so that a failed install ends `npm test` with its reason rather than inside a test's output.
step "n8n for the end-to-end tests"; bash scripts/install-n8n.sh >/dev/null
step "jest: end to end in a real n8n, and the node's tests on n8n-workflow 1.x beside them"
v1_log=$(mktemp); N8N_WORKFLOW_MAJOR=1 JEST_MAX_WORKERS=2 npm run --silent test:n8n-workflow-v1 >"$v1_log" 2>&1 & v1_pid=$!
e2e_status=0; JEST_MAX_WORKERS="${E2E_WORKERS:-3}" npx jest test/e2e || e2e_status=$?
v1_status=0; wait "$v1_pid" || v1_status=$?
printf '\n== jest (n8n-workflow 1.x), run beside the end-to-end tests\n'; cat "$v1_log"; rm -f "$v1_log"
[ "$e2e_status" = 0 ] && [ "$v1_status" = 0 ]
