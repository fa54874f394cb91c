#!/usr/bin/env bash
# Runs a command after making sure the dev dependencies are installed: `npm ci` when node_modules is missing or older
# than package-lock.json (a fresh clone, or a pull that changed the lock). Every npm script the README and
# docs/development.md name goes through here, so each works on a fresh clone.
#   bash scripts/with-deps.sh tsc -p tsconfig.build.json
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
installed=node_modules/.package-lock.json # written by npm at the end of every install
if [ ! -f "$installed" ] || [ package-lock.json -nt "$installed" ]; then
  # A worktree that borrows another checkout's node_modules through a symlink must not reinstall it from its own lock.
  if [ -L node_modules ]; then
    echo "[with-deps] node_modules is a symlink and older than package-lock.json: install in the checkout it points to" >&2
    exit 1
  fi
  echo "[with-deps] installing the dev dependencies (npm ci; about 2 minutes)…" >&2
  # --ignore-scripts: no dev dependency needs an install script, and two would fail here (isolated-vm cannot build
  # on Node 20; eslint-plugin-n8n-nodes-base's preinstall insists on pnpm).
  npm ci --ignore-scripts --no-audit --no-fund >&2
fi
export PATH="$PWD/node_modules/.bin:$PATH" # as under `npm run`, for a direct `bash scripts/with-deps.sh tsc …`
[ "$#" -eq 0 ] || exec "$@"
