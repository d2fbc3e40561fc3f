#!/usr/bin/env bash
# Create relaykit's virtualenv from the pinned requirements.txt.
# Installs python3-venv from Debian's packages when the interpreter cannot make a venv.
set -euo pipefail
VENV=${1:-.venv}
cd "$(dirname "$0")/.."

pick_python() {
  for candidate in ${PYTHON:-} python3.11 python3.12 python3; do
    if command -v "$candidate" >/dev/null 2>&1 \
       && "$candidate" -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13))'; then
      # The interpreter behind a venv's python (make puts .venv/bin first on PATH, and the
      # venv is about to be deleted and made again).
      "$candidate" -c 'import sys; print(getattr(sys, "_base_executable", "") or sys.executable)'
      return 0
    fi
  done
  return 1
}

python=$(pick_python) || {
  echo "relaykit needs Python 3.11 to 3.13 (Debian 12: apt-get install python3)" >&2; exit 1; }

if ! "$python" -c 'import ensurepip, venv' >/dev/null 2>&1; then
  echo "[bootstrap] installing python3-venv" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
fi

echo "[bootstrap] creating $VENV with $("$python" --version)" >&2
rm -rf "$VENV"
"$python" -m venv "$VENV"
# Some machines' pip config lists find-links folders that do not exist: pip warns once per
# package about each. Drop only those lines; every other message (and the exit code) stays.
quiet_pip() {
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "$@" \
    2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
}
quiet_pip --upgrade pip
quiet_pip -r requirements.txt
echo "[bootstrap] ready: $("$VENV/bin/ansible" --version | sed -n 1p)" >&2
