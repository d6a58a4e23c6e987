"""A small bar chart drawn with QPainter, with the same numbers in words for screen readers."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QWidget


class BarChart(QWidget):
    def __init__(self, title: str, unit: str = "", parent=None):
        super().__init__(parent)
        self.title, self.unit = title, unit
        self.bars: list[tuple[str, float]] = []
        self.setAccessibleName(title)
        self.setMinimumHeight(170)

    def set_bars(self, bars: list[tuple[str, float]]) -> None:
        self.bars = bars
        words = "; ".join(f"{label}: {value:g}{self.unit}" for label, value in bars) or "no data"
        self.setAccessibleDescription(f"{self.title}. {words}.")
        self.setToolTip(self.accessibleDescription())
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(420, 190)

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        text = self.palette().text().color()
        p.setPen(text)
        p.drawText(QRectF(0, 0, self.width(), 18), Qt.AlignLeft | Qt.AlignVCenter, self.title)
        if not self.bars:
            p.drawText(self.rect(), Qt.AlignCenter, "No data yet")
            return
        top, bottom, left = 40, self.height() - 34, 8
        peak = max(v for _, v in self.bars) or 1
        width = (self.width() - 2 * left) / len(self.bars)
        for i, (label, value) in enumerate(self.bars):
            h = (bottom - top) * value / peak
            x = left + i * width
            p.fillRect(QRectF(x + 3, bottom - h, width - 6, h), QColor("#1a4f8b"))
            p.setPen(text)
            if value:
                p.drawText(QRectF(x, bottom - h - 16, width, 14), Qt.AlignCenter, f"{value:g}")
            p.drawText(QRectF(x, bottom + 2, width, 30), Qt.AlignHCenter | Qt.AlignTop | Qt.TextWordWrap, label)
