#!/usr/bin/env bash
# One entry point for the benchmark: install what is missing, then run
# bench/run.py, which starts every server, loads it with wrk and prints the
# table. See bench/README.md. Takes about 10 minutes on 2 cores.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/prepare.sh"
exec "$venv/bin/python" "$here/run.py" "$@"
