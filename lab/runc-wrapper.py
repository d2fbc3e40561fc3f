#!/usr/bin/python3
"""OCI runtime wrapper for hosts whose root lacks CAP_SYS_RESOURCE.

Docker 20.10 asks runc for every capability under --privileged; where the
calling process does not hold CAP_SYS_RESOURCE itself, runc fails with
"unable to apply caps: operation not permitted". This wrapper removes that one
capability from the bundle's config.json (runc create/run --bundle DIR) and
from a process spec (runc exec --process FILE), then execs the real runc.
Installed by lab/lab.sh only where the capability is missing.
"""

import json
import os
import sys

REAL_RUNC = "/usr/sbin/runc" if os.path.exists("/usr/sbin/runc") else "/usr/bin/runc"
DROP = "CAP_SYS_RESOURCE"


def strip_caps(process: dict) -> None:
    caps = process.get("capabilities") or {}
    for kind, values in caps.items():
        if isinstance(values, list):
            caps[kind] = [c for c in values if c != DROP]


def rewrite(path: str, is_process: bool) -> None:
    try:
        with open(path, encoding="utf-8") as handle:
            spec = json.load(handle)
    except (OSError, ValueError):
        return
    strip_caps(spec if is_process else spec.get("process", {}))
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(spec, handle)


args = sys.argv[1:]
for index, arg in enumerate(args):
    value = args[index + 1] if index + 1 < len(args) else None
    if arg.startswith("--bundle="):
        arg, value = "--bundle", arg.split("=", 1)[1]
    elif arg.startswith("--process="):
        arg, value = "--process", arg.split("=", 1)[1]
    if arg in ("--bundle", "-b") and value:
        rewrite(os.path.join(value, "config.json"), is_process=False)
    elif arg in ("--process", "-p") and value:
        rewrite(value, is_process=True)
os.execv(REAL_RUNC, [REAL_RUNC, *args])  # noqa: S606 (replace this process with runc)
