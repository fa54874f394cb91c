#!/usr/bin/env bash
# Runs a TypeScript script of ours with n8n's Node 24 (which runs TypeScript as is), after making sure the
# package's dev dependencies and the local n8n (scripts/install-n8n.sh, into .cache/n8n) are installed.
# A failed n8n install stops here: its reason is the last thing scripts/install-n8n.sh printed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/with-deps.sh
exports="$(bash scripts/install-n8n.sh)" || exit $?
eval "$exports"
exec "$N8N_NODE_BIN" --disable-warning=MODULE_TYPELESS_PACKAGE_JSON "$@"
