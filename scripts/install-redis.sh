#!/usr/bin/env bash
# Makes sure Debian's `redis-server` is installed (for the queue-mode end-to-end test: n8n's queue lives in Redis),
# installing it with apt-get when it is missing, then prints its path on stdout. Progress goes to stderr.
set -euo pipefail

log() { printf '[install-redis] %s\n' "$*" >&2; }

if ! command -v redis-server >/dev/null 2>&1; then
  if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
    log "redis-server is missing: install it (apt-get install redis-server) and run again"
    exit 1
  fi
  log "installing redis-server with apt-get..."
  # Installing the package also starts a system service on 6379 where an init system runs; the tests start their
  # own server on a free port, so that one is not used.
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >&2
fi
command -v redis-server
