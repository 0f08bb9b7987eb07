#!/usr/bin/env bash
# Set up everything Magen needs on a fresh Debian machine: system packages when missing,
# a .venv with the Python packages, the front-end packages from the lock file.
# Usage: scripts/setup.sh [dev|demo]   (dev adds test tools, PostgreSQL and Chromium)
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-demo}

need_apt=()
have() { command -v "$1" >/dev/null 2>&1; }
have python3 || need_apt+=(python3 python3-venv python3-dev)
python3 -c 'import venv, ensurepip' 2>/dev/null || need_apt+=(python3-venv)
have gcc || need_apt+=(build-essential)
# Python's headers, for fusion's compiled street search (src/magen/picture/_streets.c)
python3 -c 'import os, sysconfig; assert os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h"))' 2>/dev/null \
  || need_apt+=(python3-dev)
have npm || need_apt+=(nodejs npm)
if [ "$mode" = dev ]; then
  have wrk || need_apt+=(wrk)
  { have pg_ctl || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; } || need_apt+=(postgresql)
  have chromium || need_apt+=(chromium)
  have pdftoppm || need_apt+=(poppler-utils)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${need_apt[*]}"
  if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

stamp=.venv/.installed-$mode
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
fi
# Reinstall when the metadata or the compiled part changed (an editable install does not
# rebuild an extension by itself).
stale=0
for f in pyproject.toml setup.py src/magen/picture/_streets.c; do
  if [ "$f" -nt "$stamp" ]; then stale=1; fi
done
if [ ! -f "$stamp" ] || [ "$stale" = 1 ]; then
  if [ "$mode" = dev ]; then extras="[dev,bench]"; else extras=""; fi
  echo "setup: installing Python packages into .venv"
  .venv/bin/python -m pip install -q -e ".${extras}" 2>&1 | grep -v "^WARNING: Location" || true
  .venv/bin/python -c "import magen" || { echo "setup: magen failed to install" >&2; exit 1; }
  touch "$stamp"
fi

if [ -f src/magen/web/package.json ]; then
  if [ ! -d src/magen/web/node_modules ] || [ src/magen/web/package-lock.json -nt src/magen/web/node_modules ]; then
    echo "setup: installing front-end packages (npm ci)"
    (cd src/magen/web && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi
