# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reload nginx in its container and prove it took the new configuration (stdlib only).

``nginx -s reload`` only signals the master and exits 0 whatever happens next: a configuration that
passed ``nginx -t`` can still fail in the master (a port it cannot bind), which logs ``[emerg]`` and
keeps serving the old configuration with its old workers, until the next restart loads the broken
file and nothing listens. So a reload is done only when the master has started new workers; an
``[emerg]`` line logged after the signal, or no new workers within the timeout, is a failure, and the
configuration nginx last took is put back in place of the file it refused.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Callable
from typing import Any

from ansible_collections.relaykit.edge.plugins.module_utils._errors import RelaykitError
from ansible_collections.relaykit.edge.plugins.module_utils._files import read_text, write_text_atomic

Runner = Callable[[list[str]], "tuple[int, str, str]"]


class ReloadError(RelaykitError):
    """nginx did not take the new configuration."""


def children(pid: int, proc: str = "/proc") -> set[int]:
    """The pids whose parent is ``pid`` (from /proc/PID/stat; the name field may hold spaces and parentheses)."""
    found = set()
    try:
        names = os.listdir(proc)
    except OSError:
        return found
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(f"{proc}/{name}/stat", encoding="utf-8", errors="replace") as handle:
                stat = handle.read()
        except OSError:
            continue
        fields = stat.rpartition(")")[2].split()
        if len(fields) > 1 and fields[1] == str(pid):
            found.add(int(name))
    return found


def emergencies(log: str) -> list[str]:
    """The lines of nginx's error log that say a configuration was refused (emerg and alert)."""
    return [line.strip() for line in log.splitlines() if "[emerg]" in line or "[alert]" in line]


def restore(config_file: str, served_copy: str) -> bool:
    """Put the configuration nginx last took back in place; whether there was one to put back."""
    if not os.path.isfile(served_copy):
        return False
    copy_atomic(served_copy, config_file)
    return True


def remember(config_file: str, served_copy: str) -> None:
    """Keep what nginx serves now, for the next reload that fails."""
    copy_atomic(config_file, served_copy)


def copy_atomic(source: str, destination: str) -> None:
    """``destination`` becomes a copy of ``source`` (its text and mode) in one rename."""
    write_text_atomic(destination, read_text(source) or "", mode=stat.S_IMODE(os.stat(source).st_mode))


def reload(
    run: Runner,
    docker: str,
    container: str,
    config_in_container: str,
    config_file: str,
    served_copy: str,
    timeout: float,
    proc: str = "/proc",
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """Reload, wait for new workers, remember the configuration; ReloadError (after restoring) when refused."""
    rc, out, err = run([docker, "inspect", "--format", "{{.State.Running}} {{.State.Pid}}", container])
    state = out.split()
    if rc != 0 or len(state) != 2 or state[0] != "true" or not state[1].isdigit():
        raise ReloadError(f"container {container} is not running: {(err or out).strip() or 'docker inspect failed'}")
    master = int(state[1])
    before = children(master, proc)
    since = f"{clock() - 1:.3f}"
    rc, out, err = run([docker, "exec", container, "nginx", "-s", "reload", "-c", config_in_container])
    if rc != 0:
        fail(config_file, served_copy, f"nginx -s reload failed in {container}: {(err or out).strip()}")
    deadline = clock() + timeout
    while True:
        sleep(0.2)
        started = children(master, proc) - before
        _rc, log_out, log_err = run([docker, "logs", "--since", since, container])
        refused = emergencies(log_out + "\n" + log_err)
        if refused:
            fail(config_file, served_copy, "nginx refused the new configuration: " + " | ".join(refused[-3:]))
        if started:
            remember(config_file, served_copy)
            return {"changed": True, "master_pid": master, "new_workers": len(started)}
        if clock() > deadline:
            fail(config_file, served_copy, f"nginx started no new workers within {timeout:g} s of the reload")


def fail(config_file: str, served_copy: str, why: str) -> None:
    if restore(config_file, served_copy):
        raise ReloadError(
            f"{why}. The configuration nginx served before was put back in {config_file}; nginx keeps serving it."
        )
    raise ReloadError(f"{why}. No earlier configuration was known to put back in {config_file}.")
