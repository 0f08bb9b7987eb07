#!/usr/bin/env bash
# Run the whole test suite. pytest's "no tests collected" (exit 5) counts as a failure.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p test-artifacts
.venv/bin/python -m pytest "$@"
rc=$?
if [ $rc -eq 5 ]; then echo "run-tests: no tests were collected" >&2; exit 1; fi
exit $rc
