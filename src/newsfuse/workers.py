"""Worker processes for the stages that parse or hash in parallel (ingest, copies).

A fork-based `ProcessPoolExecutor` whose workers exit when their parent dies: when an ingest is
killed (SIGKILL, OOM killer), its workers would otherwise wait forever on a queue nobody writes
to. concurrent.futures has no such option, so each worker runs a small watchdog thread.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor


def process_pool(workers: int, initializer: Callable[..., None] | None = None,
                 initargs: tuple = ()) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                               initializer=_start, initargs=(os.getpid(), initializer, initargs))


def _start(parent: int, initializer: Callable[..., None] | None, initargs: tuple) -> None:
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()
    if initializer is not None:
        initializer(*initargs)


def _exit_with_parent(parent: int) -> None:
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:  # re-parented: the ingest that started us is gone
            os._exit(1)
