"""Run slow calls (database, printer) off the GUI thread; get the answer back as a signal.

Anki's shape: the window asks for `fn(*args)` to run on a worker thread and names what
to do with the result and with a failure; both callbacks run on the GUI thread, so they
may touch widgets. A window that has gone away simply gets no callback.

    worker = Worker(parent=window)
    worker.run(service.service_summary, on_done=window.show_services, on_error=window.failed)
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)

Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]


class _Job(QRunnable):
    def __init__(self, worker: Worker, job_id: int, fn: Callable[[], Any]) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._worker = worker
        self._id = job_id
        self._fn = fn

    def run(self) -> None:
        try:
            result = self._fn()
        except BaseException as exc:  # handed to the caller's on_error, never lost
            self._worker._finished.emit(self._id, False, exc)
            return
        self._worker._finished.emit(self._id, True, result)


class Worker(QObject):
    """A small pool of worker threads whose results come back on the GUI thread."""

    _finished = Signal(int, bool, object)
    busy_changed = Signal(int)  # jobs still running

    def __init__(self, parent: QObject | None = None, threads: int = 2) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(threads)
        self._ids = itertools.count(1)
        self._callbacks: dict[int, tuple[Done | None, Failed | None]] = {}
        self._finished.connect(self._deliver)

    def run(self, fn: Callable[..., Any], *args: Any, on_done: Done | None = None,
            on_error: Failed | None = None, **kwargs: Any) -> int:
        """Start `fn(*args, **kwargs)` on a worker thread; returns the job's id."""
        job_id = next(self._ids)
        self._callbacks[job_id] = (on_done, on_error)
        self._pool.start(_Job(self, job_id, lambda: fn(*args, **kwargs)))
        self.busy_changed.emit(len(self._callbacks))
        return job_id

    @property
    def pending(self) -> int:
        return len(self._callbacks)

    def wait(self, ms: int = 5000) -> bool:
        """Block until every job has finished (shutdown and scripts, never in a slot)."""
        return bool(self._pool.waitForDone(ms))

    def _deliver(self, job_id: int, ok: bool, value: Any) -> None:
        on_done, on_error = self._callbacks.pop(job_id, (None, None))
        self.busy_changed.emit(len(self._callbacks))
        if ok:
            if on_done is not None:
                on_done(value)
        elif on_error is not None:
            on_error(value)
        else:
            log.error("background job failed", exc_info=value)
