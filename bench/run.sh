#!/usr/bin/env bash
# One entry point for the benchmark: install what is missing, then run
# bench/run.py, which starts every server, loads it with wrk and prints the
# table. See bench/README.md. Takes about 5 minutes on 2 cores.
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
if [ ! -d "$here/node/node_modules" ]; then
  (cd "$here/node" && npm ci --no-audit --no-fund)
fi
exec "$venv/bin/python" "$here/run.py" "$@"
