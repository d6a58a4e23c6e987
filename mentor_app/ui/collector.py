"""Garbage is collected on the UI thread only.

Python's cyclic collector runs in whichever thread happens to allocate. Run in a background
job's thread, it can destroy a window's Qt objects there, which crashes Qt. So automatic
collection is off while the app runs, and a timer on the UI thread collects each generation
once it has grown past the thresholds Python itself would use. The first look is a second
after start, so start-up never waits on a collection.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

CHECK_MS = 1000


class MainThreadCollector(QObject):
    def __init__(self, parent: QObject, check_ms: int = CHECK_MS):
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        self.timer.start(check_ms)
        gc.disable()

    def check(self) -> int | None:
        """Collect the oldest generation that is due, as the automatic collector would; which one, or None."""
        counts, thresholds = gc.get_count(), gc.get_threshold()
        due = [g for g in (2, 1, 0) if thresholds[g] and counts[g] > thresholds[g]]
        if not due:
            return None
        gc.collect(due[0])
        return due[0]

    def stop(self) -> None:
        self.timer.stop()
        gc.enable()
