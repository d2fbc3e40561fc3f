#!/usr/bin/env bash
# ansible-test sanity on the relaykit.edge collection, without Docker images or a registry:
# --venv makes ansible-test's own virtualenvs with the tools each test needs (from PyPI).
set -euo pipefail
scripts=$(cd "$(dirname "$0")" && pwd)
cd "$scripts/../collections/ansible_collections/relaykit/edge"
# ansible-test fetches get-pip.py from its own host, unreachable here: seed its cache.
# Its file name carries the pip version ansible-test pins for its virtualenvs.
pins=$(python -c 'import ansible_test, os; print(os.path.join(os.path.dirname(ansible_test.__file__), "_internal/python_requirements.py"))')
pip_version=$(sed -n "s/^ *pip='\([0-9.]*\)',.*/\1/p" "$pins" | head -n 1)
[ -n "$pip_version" ] || { echo "cannot find the pip version ansible-test pins in $pins" >&2; exit 1; }
cache=~/.ansible/test/cache/get_pip_${pip_version//./_}.py
mkdir -p "$(dirname "$cache")"
cmp -s "$scripts/ansible-test-get-pip.py" "$cache" || cp "$scripts/ansible-test-get-pip.py" "$cache"
python=$(python -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
exec ansible-test sanity --venv --python "$python" --color "${@}"
