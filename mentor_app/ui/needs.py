"""Needs checks: the form, and a chart of scores over time ("distance travelled")."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from .. import clock
from ..errors import BadInput
from ..records import store, vocab
from ..records.dates import shown_date
from ..records.types import NeedsCheck
from .forms import fit_to_screen, with_mnemonic
from .widgets import DateEntry, error_label, forget_when_closed, scrolling

# 1 (serious need) is red, 5 (no need) is green; text beside each cell says the same.
LABEL_W, CELL_W, CELL_H = 250, 78, 22
SCORE_COLOURS = {1: "#d32f2f", 2: "#f57c00", 3: "#fbc02d", 4: "#8bc34a", 5: "#388e3c"}


class NeedsDialog(QDialog):
    saved = Signal(object)  # the check once stored: callers refresh from this, not from exec()

    def __init__(self, parent, profile, mentee_id: str, latest: NeedsCheck | None):
        super().__init__(parent)
        forget_when_closed(self)
        self.profile, self.mentee_id = profile, mentee_id
        self.setWindowTitle("Needs check")
        self.day_entry = DateEntry("Date of the needs check", with_time=False, required=True)
        self.day_entry.set_iso(clock.today().isoformat())
        self.day = self.day_entry.line
        grid = QGridLayout()
        day_label = QLabel("&Date")
        day_label.setBuddy(self.day)
        grid.addWidget(day_label, 0, 0)
        grid.addWidget(self.day_entry, 0, 1, 1, 2)
        used = {"d", "s", "c"}
        self.scores: dict[str, QComboBox] = {}
        self.notes: dict[str, QLineEdit] = {}
        for row, (area, label) in enumerate(vocab.NEEDS_AREAS.items(), start=1):
            combo = QComboBox()
            combo.addItem("not scored", 0)
            for code, words in vocab.NEEDS_SCALE.items():
                combo.addItem(words, int(code))
            if latest and area in latest.scores:
                combo.setCurrentIndex(combo.findData(int(latest.scores[area])))
            combo.setAccessibleName(f"{label}: score")
            note = QLineEdit(latest.notes.get(area, "") if latest else "")
            note.setAccessibleName(f"{label}: note")
            note.setPlaceholderText("note (optional)")
            # The label is the combo's buddy: a screen reader says "Housing: score, 2 – some need".
            area_label = QLabel(with_mnemonic(label, used))
            area_label.setBuddy(combo)
            grid.addWidget(area_label, row, 0)
            grid.addWidget(combo, row, 1)
            grid.addWidget(note, row, 2)
            self.scores[area], self.notes[area] = combo, note
        self._initial = self._values()
        self.error = error_label()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        intro = QLabel(
            "Score each area together: 1 is a serious need, 5 is no need. "
            "Last time's scores are filled in to start from."
        )
        intro.setWordWrap(True)
        body = QWidget()
        inner = QVBoxLayout(body)
        inner.addWidget(intro)
        inner.addLayout(grid)
        inner.addStretch(1)
        scroll = scrolling(body, "Needs check")
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.setMinimumWidth(520)
        fit_to_screen(self, body)
        self.scroll_area = scroll

    def _values(self):
        return (
            {a: c.currentData() for a, c in self.scores.items()},
            {a: n.text().strip() for a, n in self.notes.items()},
        )

    def record(self) -> NeedsCheck:
        scores, notes = self._values()
        problem = self.day_entry.problem()
        if problem:
            raise BadInput(problem)
        return NeedsCheck(
            on=self.day_entry.iso(),
            scores={a: s for a, s in scores.items() if s},
            notes={a: n for a, n in notes.items() if n},
        )

    def save(self) -> None:
        try:
            record = self.record()
            store.save(self.profile.conn, record, author=self.profile.author, mentee_id=self.mentee_id)
        except BadInput as exc:
            self.error.setText(exc.message)
            return
        self.saved.emit(record)
        self.accept()

    def reject(self) -> None:
        if self._values() != self._initial:
            if (
                QMessageBox.question(
                    self,
                    "Needs check",
                    "You have changes that are not saved. Throw them away?",
                    QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
                )
                != QMessageBox.StandardButton.Discard
            ):
                return
        super().reject()


def needs_check_dialog(parent, profile, mentee_id: str, latest: NeedsCheck | None) -> NeedsDialog:
    return NeedsDialog(parent, profile, mentee_id, latest)


class NeedsChart(QWidget):
    """A grid: one row per area, one column per check, coloured by score, with the score written in."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.checks: list[NeedsCheck] = []
        self.setAccessibleName("Needs over time")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # a screen reader reads its description when it has focus
        self.setMinimumHeight(40)

    def set_checks(self, checks: list[NeedsCheck]) -> None:
        self.checks = sorted(checks, key=lambda c: c.on)[-8:]
        self.setAccessibleDescription(self.describe())
        self.updateGeometry()
        self.update()

    def describe(self) -> str:
        """The chart in words, for screen readers: first and latest score per area."""
        if not self.checks:
            return "No needs check yet."
        first, last = self.checks[0], self.checks[-1]
        parts = []
        for area, label in vocab.NEEDS_AREAS.items():
            a, b = first.scores.get(area), last.scores.get(area)
            if b is None:
                continue
            parts.append(f"{label}: {b}" if a in (None, b) or first is last else f"{label}: from {a} to {b}")
        return f"Latest check {last.on}. " + "; ".join(parts) + "."

    def sizeHint(self) -> QSize:
        if not self.checks:
            return QSize(300, 40)
        return QSize(LABEL_W + self._cell_w() * len(self.checks), 28 + CELL_H * len(vocab.NEEDS_AREAS))

    def _cell_w(self) -> int:
        # Wide enough for the widest date in words at this text size ("30 Sep 2026"), larger text too.
        return max(CELL_W, self.fontMetrics().horizontalAdvance("30 Sep 2026") + 10)

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self.hasFocus():
            p.setPen(self.palette().highlight().color())
            p.drawRect(self.rect().adjusted(0, 0, -1, -1))
            p.setPen(self.palette().text().color())
        if not self.checks:
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, "No needs check yet.")
            return
        label_w, cell_w, cell_h, top = LABEL_W, self._cell_w(), CELL_H, 24
        for col, check in enumerate(self.checks):
            x = label_w + col * cell_w
            p.drawText(QRectF(x, 0, cell_w, top), Qt.AlignmentFlag.AlignCenter, shown_date(check.on))
        for row, (area, label) in enumerate(vocab.NEEDS_AREAS.items()):
            y = top + row * cell_h
            p.setPen(self.palette().text().color())
            p.drawText(
                QRectF(0, y, label_w - 8, cell_h), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, label
            )
            for col, check in enumerate(self.checks):
                score = check.scores.get(area)
                rect = QRectF(label_w + col * cell_w + 2, y + 2, cell_w - 4, cell_h - 4)
                if score:
                    p.fillRect(rect, QColor(SCORE_COLOURS[int(score)]))
                    p.setPen(QColor("#ffffff") if int(score) in (1, 5) else QColor("#000000"))
                    p.drawText(rect, Qt.AlignmentFlag.AlignCenter, str(score))
                else:
                    p.setPen(QColor("#999999"))
                    p.drawText(rect, Qt.AlignmentFlag.AlignCenter, "–")
