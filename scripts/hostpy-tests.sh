#!/usr/bin/env bash
# The unit tests of what relaykit runs on managed hosts, under every Python 3.9 to 3.13 this
# machine has: the hosts run those programs on their own /usr/bin/python3 (Debian 11: 3.9,
# Ubuntu 22.04: 3.10, Debian 12: 3.11, Ubuntu 24.04: 3.12, Debian 13: 3.13).
#
# The tests: relaykit (roles/port_relay), relaykit-ddns (roles/ddns, against the Cloudflare
# stand-in) and the collection's module_utils that need nothing beyond the standard library.
# Interpreters: pyenv's newest X.Y.Z of each X.Y, else pythonX.Y on PATH. Each gets a venv with
# only pytest in .venv-hostpy/X.Y, made on first use and kept. Fails when fewer than two
# interpreters are found, and on any failing test.
#
#   scripts/hostpy-tests.sh            every version found, one run per CPU at a time (HOSTPY_JOBS=N)
#   scripts/hostpy-tests.sh 3.9 3.13   only these
set -euo pipefail
cd "$(dirname "$0")/.."

VERSIONS=("$@")
[[ ${#VERSIONS[@]} -gt 0 ]] || VERSIONS=(3.9 3.10 3.11 3.12 3.13)
# pytest 8.4 is the last series that runs on Python 3.9.
PYTEST_PIN="pytest==8.4.2"
VENVS=.venv-hostpy
JOBS=${HOSTPY_JOBS:-$(nproc 2>/dev/null || echo 2)}
COLLECTION=collections/ansible_collections/relaykit/edge
TESTS=(
  tests/unit/test_relaykit_cli.py
  tests/unit/test_relaykit_ddns.py
  tests/unit/test_host_core.py
  "$COLLECTION/tests/unit/plugins/module_utils"
)
# module_utils tests that need more than pytest (ansible-core, cryptography, the cloudflare SDK):
# `make unit` runs them.
IGNORED=(test_certificates.py test_cloudflare_api.py test_netfilter.py)

pyenv_root() {
  if command -v pyenv >/dev/null 2>&1; then
    pyenv root
  else
    echo "${PYENV_ROOT:-$HOME/.pyenv}"
  fi
}

# The interpreter for X.Y, or nothing: pyenv's newest X.Y.Z (no -dev or free-threaded builds),
# else pythonX.Y on PATH; only one that really is X.Y.
find_python() {
  local version=$1 root candidate
  local -a candidates=()
  root=$(pyenv_root)
  if [[ -d $root/versions ]]; then
    while IFS= read -r candidate; do
      candidates+=("$root/versions/$candidate/bin/python")
    done < <(find "$root/versions" -mindepth 1 -maxdepth 1 -printf '%f\n' \
               | grep -E "^${version//./\\.}\.[0-9]+$" | sort -V -r)
  fi
  if candidate=$(command -v "python$version" 2>/dev/null); then
    candidates+=("$candidate")
  fi
  for candidate in "${candidates[@]}"; do
    if [[ -x $candidate ]] \
       && [[ $("$candidate" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) == "$version" ]]; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

# .venv-hostpy/X.Y with pytest, made again when the interpreter or the pin changed.
ensure_venv() {
  local version=$1 python=$2 venv=$VENVS/$1 stamp
  stamp="$python $("$python" -c 'import sys; print(sys.version.split()[0])') $PYTEST_PIN"
  if [[ -f $venv/.installed && $(<"$venv/.installed") == "$stamp" ]]; then
    return 0
  fi
  echo "[hostpy] creating $venv with $python" >&2
  rm -rf "$venv"
  "$python" -m venv "$venv"
  # Some machines' pip config lists find-links folders that do not exist: pip warns once per
  # package about each. Drop only those lines; every other message (and the exit code) stays.
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$PYTEST_PIN" \
    2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
  echo "$stamp" >"$venv/.installed"
}

found=()
missing=()
for version in "${VERSIONS[@]}"; do
  if python=$(find_python "$version"); then
    ensure_venv "$version" "$python"
    found+=("$version")
  else
    missing+=("$version")
  fi
done

echo "[hostpy] Python found: ${found[*]:-none}; not found: ${missing[*]:-none}"
if [[ ${#found[@]} -lt 2 ]]; then
  echo "[hostpy] need at least two of Python ${VERSIONS[*]} (pyenv install 3.9 3.13, or python3.X on PATH)" >&2
  exit 1
fi

ignore_args=()
for name in "${IGNORED[@]}"; do
  ignore_args+=("--ignore=$COLLECTION/tests/unit/plugins/module_utils/$name")
done

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
for version in "${found[@]}"; do
  while [[ $(jobs -rp | wc -l) -ge $JOBS ]]; do
    wait -n || true
  done
  (
    set +e
    # No .pytest_cache and no bytecode: the runs share the tree with each other and with make unit.
    PYTHONDONTWRITEBYTECODE=1 "$VENVS/$version/bin/python" -m pytest -q -p no:cacheprovider \
      "${ignore_args[@]}" "${TESTS[@]}" >"$logs/$version.log" 2>&1
    echo $? >"$logs/$version.rc"
  ) &
done
wait

failed=()
for version in "${found[@]}"; do
  rc=$(cat "$logs/$version.rc" 2>/dev/null || echo 1)
  if [[ $rc == 0 ]]; then
    echo "[hostpy] Python $version: $(tail -n 1 "$logs/$version.log")"
  else
    echo "[hostpy] Python $version FAILED (pytest exit $rc):"
    cat "$logs/$version.log"
    failed+=("$version")
  fi
done

if [[ ${#failed[@]} -gt 0 ]]; then
  echo "[hostpy] failed under Python ${failed[*]}" >&2
  exit 1
fi
echo "[hostpy] passed under Python ${found[*]}"
