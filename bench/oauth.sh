#!/usr/bin/env bash
# The OAuth authorization-server benchmark: install what is missing, then run
# bench/oauth.py (ours, Better Auth's oauth-provider, django-oauth-toolkit on
# PostgreSQL; see bench/README.md). BENCH_QUICK=1 for a short smoke run.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
venv="$root/.venv"

if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq wrk >/dev/null
  else
    echo "wrk is missing: apt-get install -y wrk" >&2; exit 1
  fi
fi
if [ ! -x "$venv/bin/gunicorn" ]; then
  # the requirement of the project's "server" extra
  "$venv/bin/pip" install -q "gunicorn>=23"
fi
if [ ! -d "$here/node/node_modules/@better-auth/oauth-provider" ]; then
  (cd "$here/node" && npm ci --no-audit --no-fund)
fi
exec "$venv/bin/python" "$here/oauth.py" "$@"
