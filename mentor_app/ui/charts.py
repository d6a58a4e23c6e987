"""Bar charts for the dashboard (pyqtgraph), with the same numbers in words for screen readers."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

pg.setConfigOptions(background="w", foreground="k", antialias=True)
BAR_COLOUR = "#1a4f8b"


class BarChart(QWidget):
    def __init__(self, title: str, unit: str = "", parent=None):
        super().__init__(parent)
        self.title, self.unit = title, unit
        self.bars: list[tuple[str, float]] = []
        self.setAccessibleName(title)
        self.plot = pg.PlotWidget()
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.setAccessibleName(title)
        self.plot.setMinimumHeight(150)
        # The chart takes focus as one piece, announced with its numbers in words.
        self.plot.setFocusPolicy(Qt.NoFocus)
        self.plot.viewport().setFocusPolicy(Qt.NoFocus)
        self.setFocusPolicy(Qt.TabFocus)
        heading = QLabel(title)
        heading.setAccessibleName(title)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(heading)
        layout.addWidget(self.plot, 1)

    def set_bars(self, bars: list[tuple[str, float]]) -> None:
        self.bars = bars
        words = "; ".join(f"{label}: {value:g}{self.unit}" for label, value in bars) or "no data"
        self.setAccessibleDescription(f"{self.title}. {words}.")
        self.plot.setAccessibleDescription(self.accessibleDescription())
        self.setToolTip(self.accessibleDescription())
        self.plot.clear()
        if not bars:
            return
        xs = list(range(len(bars)))
        self.plot.addItem(pg.BarGraphItem(x=xs, height=[v for _, v in bars], width=0.7, brush=BAR_COLOUR,
                                          pen=BAR_COLOUR))
        # Every other label when crowded, so they stay readable.
        step = 1 if len(bars) <= 8 else 2
        self.plot.getAxis("bottom").setTicks([[(x, label) for x, (label, _) in zip(xs, bars) if x % step == 0]])
        self.plot.setYRange(0, max(v for _, v in bars) or 1, padding=0.1)

    def sizeHint(self) -> QSize:
        return QSize(420, 200)
