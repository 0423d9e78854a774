#!/usr/bin/env bash
# Creates (or refreshes) target/alerts-venv, the webhook receiver's virtualenv, from
# scripts/alerts/requirements.txt (pinned, hash-checked, from PyPI). Reinstalls only when the
# requirements change. Prints the venv's python.
set -euo pipefail
cd "$(dirname "$0")/../.."
python="/usr/bin/python3"
[ -x "$python" ] || python="$(command -v python3)"
venv="target/alerts-venv"
requirements="scripts/alerts/requirements.txt"
if ! cmp -s "$requirements" "$venv/requirements.installed" || [ ! -x "$venv/bin/python" ]; then
  echo "alerts: installing the webhook receiver's packages into $venv (PyPI)" >&2
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-input --require-hashes -r "$requirements" >&2
  cp "$requirements" "$venv/requirements.installed"
fi
echo "$PWD/$venv/bin/python"
