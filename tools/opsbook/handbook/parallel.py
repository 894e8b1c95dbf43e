"""A second core for pure work over many items: a forked child computes the second half of a list while
this process computes the first, and sends its results back pickled.

Forking, not spawning: the child starts with everything this process has imported and loaded, so it
costs milliseconds, and only results travel. Where forking is not safe (see `can_fork`) or the list is
short, the work runs here, in order, with the same results.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
import threading
from typing import Callable, Sequence, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

MIN_ITEMS = 256  # below this, a second process costs about what it saves


def can_fork() -> bool:
    """Fork only a single-threaded process (a lock another thread holds would stay locked in the child),
    and only on Linux (macOS system libraries are not safe to use after a fork)."""
    return sys.platform.startswith("linux") and threading.active_count() == 1


def map_in_halves(function: Callable[[Item], Result], items: Sequence[Item],
                  minimum: int = MIN_ITEMS) -> list[Result]:
    """`[function(item) for item in items]`, the second half computed by a forked child when there are at
    least `minimum` items. `function` must not depend on side effects across items, and its results must
    pickle. If the child fails for any reason, this process computes its half too, so an error is
    raised here, where it can be reported."""
    if len(items) < minimum or not can_fork():
        return [function(item) for item in items]
    half = len(items) // 2
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: compute, send, and leave without running this process's exit handlers
        status = 1
        try:
            os.close(reader)
            data = pickle.dumps([function(item) for item in items[half:]], protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(writer, "wb") as out:
                out.write(data)
            status = 0
        finally:
            os._exit(status)
    os.close(writer)
    reaped = False
    try:
        with os.fdopen(reader, "rb") as incoming:
            first = [function(item) for item in items[:half]]
            data = incoming.read()  # the child waits on the full pipe until this reads
        _, status = os.waitpid(pid, 0)
        reaped = True
        if status == 0 and data:
            return first + pickle.loads(data)
        return first + [function(item) for item in items[half:]]
    finally:
        if not reaped:  # this process failed or was interrupted: leave no child behind
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
