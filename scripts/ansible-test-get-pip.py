"""Offline stand-in for ansible-test's pip bootstrap script.

ansible-test --venv makes virtualenvs without pip and downloads get-pip.py from a host
that is unreachable here. It also looks for a cached copy, which scripts/sanity.sh
installs from this file: it bootstraps the pip bundled with Python (ensurepip), then
installs what ansible-test asked for from the package index.
"""

import ensurepip
import os
import subprocess
import sys

args = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]
environment = dict(os.environ)  # ensurepip sets PIP_CONFIG_FILE=/dev/null: keep the machine's pip config after it
ensurepip.bootstrap(upgrade=True)
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install", *args], env=environment))
