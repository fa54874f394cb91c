#!/usr/bin/env bash
# Runs a TypeScript script of ours with n8n's Node 24 (which runs TypeScript as is), after making sure the
# package's dev dependencies and the local n8n (scripts/install-n8n.sh, into .cache/n8n) are installed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[ -x node_modules/.bin/tsc ] || npm ci --no-audit --no-fund
eval "$(bash scripts/install-n8n.sh)"
exec "$N8N_NODE_BIN" --disable-warning=MODULE_TYPELESS_PACKAGE_JSON "$@"
