# Sourced by bench/run.sh and bench/oauth.sh: install what the benchmarks need.
# wrk (apt, when root), gunicorn and granian in .venv (the "server" extra's),
# and bench/node/node_modules, installed again whenever the lockfile changed.
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
if [ ! -x "$venv/bin/gunicorn" ] || [ ! -x "$venv/bin/granian" ]; then
  "$venv/bin/pip" install -q "gunicorn>=23" "granian>=2.5"
fi
stamp="$here/node/node_modules/.installed-lock"
want="$(sha256sum "$here/node/package-lock.json" | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  (cd "$here/node" && npm ci --no-audit --no-fund)
  echo "$want" > "$stamp"
fi
