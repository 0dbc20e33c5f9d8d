#!/usr/bin/env bash
# The OAuth authorization-server benchmark: install what is missing, then run
# bench/oauth.py (ours, Better Auth's oauth-provider, django-oauth-toolkit on
# PostgreSQL; see bench/README.md). BENCH_QUICK=1 for a short smoke run.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/prepare.sh"
exec "$venv/bin/python" "$here/oauth.py" "$@"
