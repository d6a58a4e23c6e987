"""Run slow work (key derivation, backups, counting) off the UI thread.

One rule for every job: it never touches the window's connection
(`profile.conn` refuses use from another thread). A job that reads or writes
the profile opens its own (`run_with_profile`, or `profile.second_connection()`
below); a backup or a check makes its own inside `Profile.write_backup` and
`Profile.check`. Backups, checks and other work on the profile's files run
one at a time on a single background thread (`serial=True`), like a save
queue: two backups never write the same folder at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

if TYPE_CHECKING:
    from ..storage.profile import Profile

T = TypeVar("T")


class _Signals(QObject):
    done = Signal(object)
    failed = Signal(object)


class Job(QRunnable):
    """A piece of work handed to a background thread; `signals` report its result or failure."""

    def __init__(self, fn: Callable[[], object]):
        super().__init__()
        self.fn = fn
        self.signals = _Signals()

    def run(self) -> None:
        try:
            result = self.fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the UI thread to show plainly
            self.signals.failed.emit(exc)
        else:
            self.signals.done.emit(result)


_serial: QThreadPool | None = None


def serial_pool() -> QThreadPool:
    """The one thread that takes backups and checks, in the order they were asked for."""
    global _serial
    if _serial is None:
        _serial = QThreadPool()
        _serial.setMaxThreadCount(1)
        _serial.setExpiryTimeout(-1)
    return _serial


def run_in_background(
    fn: Callable[[], T],
    on_done: Callable[[T], object],
    on_failed: Callable[[BaseException], object],
    *,
    serial: bool = False,
) -> Job:
    """Run `fn()` on a worker; `on_done(result)` or `on_failed(exc)` then run on the UI thread.

    Keep the returned job referenced until it reports.
    """
    job = Job(fn)
    job.setAutoDelete(False)
    job.signals.done.connect(on_done)
    job.signals.failed.connect(on_failed)
    (serial_pool() if serial else QThreadPool.globalInstance()).start(job)
    return job


def run_with_profile(
    profile: Profile,
    fn: Callable[[Profile], T],
    on_done: Callable[[T], object],
    on_failed: Callable[[BaseException], object],
    *,
    serial: bool = False,
) -> Job:
    """Run `fn(view)` on a worker, `view` being the profile on a connection of the job's own."""

    def work() -> T:
        with profile.second_connection() as view:
            return fn(view)

    return run_in_background(work, on_done, on_failed, serial=serial)


def wait_for_jobs(msecs: int = 30_000) -> bool:
    """Let running jobs finish (before the profile closes); True if they all did."""
    serial = serial_pool().waitForDone(msecs)
    return QThreadPool.globalInstance().waitForDone(msecs) and serial
