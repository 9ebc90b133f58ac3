#!/usr/bin/env bash
# Run otel-agent's benchmarks: bash benchmarks/run.sh [--quick] [--only SUITES] [--output PATH]
#
# Creates the benchmark's own virtualenv (benchmarks/.venv) on first use, with
# otel-agent installed editable from this working tree and the packages it is
# compared with pinned in benchmarks/requirements.txt. None of those become
# otel-agent dependencies. Set BENCH_PYTHON to choose the interpreter.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
venv="$here/.venv"
python="${BENCH_PYTHON:-python3}"
stamp="$venv/.installed"

if [[ ! -x "$venv/bin/python" ]]; then
  echo "Creating $venv" >&2
  "$python" -m venv "$venv"
fi
if [[ ! -f "$stamp" || "$here/requirements.txt" -nt "$stamp" || "$root/pyproject.toml" -nt "$stamp" ]]; then
  echo "Installing otel-agent and benchmarks/requirements.txt into $venv" >&2
  "$venv/bin/python" -m pip install --quiet --upgrade pip
  "$venv/bin/python" -m pip install --quiet -e "$root" -r "$here/requirements.txt"
  "$venv/bin/python" -m pip check >&2
  touch "$stamp"
fi

cd "$root"
exec "$venv/bin/python" "$here/run.py" "$@"
