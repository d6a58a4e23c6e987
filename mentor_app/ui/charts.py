"""Bar charts for the dashboard, painted by Qt, with the same numbers in words for screen readers.

A dozen weekly bars need no plotting library: painting them directly keeps the supervisor's
window quick to open (a plotting stack cost a third of a second to import) and the install small.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPalette
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

BAR_COLOUR = QColor("#1a4f8b")


def nice_top(value: float) -> float:
    """The y-axis top: the smallest 1, 2 or 5 × 10ⁿ at or above the tallest bar."""
    if value <= 0:
        return 1
    scale = 1.0
    while scale * 10 <= value:
        scale *= 10
    while scale > value:
        scale /= 10
    return next(step * scale for step in (1, 2, 5, 10) if step * scale >= value)


class _Bars(QWidget):
    def __init__(self, chart: BarChart):
        super().__init__(chart)
        self.chart = chart
        self.setMinimumHeight(150)

    def paintEvent(self, _event) -> None:
        bars = self.chart.bars
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        text = self.palette().color(QPalette.ColorRole.WindowText)
        painter.fillRect(self.rect(), self.palette().color(QPalette.ColorRole.Base))
        metrics = painter.fontMetrics()
        top = nice_top(max((v for _, v in bars), default=0))
        top_label = f"{top:g}"
        left = metrics.horizontalAdvance(top_label) + 8
        line = metrics.height()
        plot = QRectF(left, line / 2, self.width() - left - 4, self.height() - line / 2 - line - 6)
        painter.setPen(text)
        painter.drawText(
            QRectF(0, 0, left - 4, line), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, top_label
        )
        painter.drawText(
            QRectF(0, plot.bottom() - line / 2, left - 4, line),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            "0",
        )
        painter.drawLine(plot.bottomLeft(), plot.bottomRight())
        painter.drawLine(plot.bottomLeft(), plot.topLeft())
        if not bars:
            painter.drawText(plot, Qt.AlignmentFlag.AlignCenter, "No data yet")
            return
        slot = plot.width() / len(bars)
        # Every other label when crowded, so they stay readable.
        step = 1 if slot >= metrics.horizontalAdvance("00 Mmm") + 4 else 2
        for i, (label, value) in enumerate(bars):
            height = plot.height() * value / top
            x = plot.left() + i * slot
            painter.fillRect(QRectF(x + slot * 0.15, plot.bottom() - height, slot * 0.7, height), BAR_COLOUR)
            if i % step == 0:
                painter.drawText(
                    QRectF(x - slot / 2, plot.bottom() + 3, slot * 2, line), Qt.AlignmentFlag.AlignHCenter, label
                )


class BarChart(QWidget):
    def __init__(self, title: str, unit: str = "", parent=None):
        super().__init__(parent)
        self.title, self.unit = title, unit
        self.bars: list[tuple[str, float]] = []
        self.setAccessibleName(title)
        # The chart takes focus as one piece, announced with its numbers in words.
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        heading = QLabel(title)
        heading.setAccessibleName(title)
        self.plot = _Bars(self)
        self.plot.setAccessibleName(title)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(heading)
        layout.addWidget(self.plot, 1)
        self.set_bars([])

    def set_bars(self, bars: list[tuple[str, float]]) -> None:
        self.bars = bars
        words = "; ".join(f"{label}: {value:g}{self.unit}" for label, value in bars) or "no data"
        self.setAccessibleDescription(f"{self.title}. {words}.")
        self.plot.setAccessibleDescription(self.accessibleDescription())
        self.setToolTip(self.accessibleDescription())
        self.plot.update()

    def sizeHint(self) -> QSize:
        return QSize(420, 200)
