"""Global search (Ctrl+K): type a few letters, press Enter to jump."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QDialog, QLabel, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from ..records import store
from ..records.search import search
from ..records.types import RECORD_TYPES
from .widgets import forget_when_closed

if TYPE_CHECKING:
    from ..storage.profile import Profile


class SearchDialog(QDialog):
    def __init__(self, profile: Profile, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        forget_when_closed(self)  # its results are records: gone from the accessibility tree once closed
        self.profile = profile
        self.chosen: tuple[str | None, str] | None = None  # (mentee id, record id)
        self.setWindowTitle("Search")
        self.setMinimumSize(560, 420)
        self.query = QLineEdit()
        self.query.setAccessibleName("Search for")
        self.query.setPlaceholderText("Name, place, words from notes, actions or concerns…")
        self.results = QListWidget()
        self.results.setAccessibleName("Search results")
        self.count = QLabel()
        self.count.setAccessibleName("Number of results")
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(120)
        self.timer.timeout.connect(self.run)
        self.query.textChanged.connect(lambda _: self.timer.start())
        self.query.returnPressed.connect(self._enter)
        self.results.itemActivated.connect(self._choose)
        layout = QVBoxLayout(self)
        layout.addWidget(self.query)
        layout.addWidget(self.count)
        layout.addWidget(self.results, 1)

    def keyPressEvent(self, event) -> None:
        # Up and down in the search box move through the results.
        if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up) and self.query.hasFocus() and self.results.count():
            self.results.setFocus()
            self.results.setCurrentRow(0 if event.key() == Qt.Key.Key_Down else self.results.count() - 1)
            return
        super().keyPressEvent(event)

    def run(self) -> None:
        self.timer.stop()
        self.results.clear()
        hits = search(self.profile.conn, self.query.text())
        names: dict[str, str] = {}
        for hit in hits:
            who = ""
            if hit.mentee_id and hit.type != "mentee":
                if hit.mentee_id not in names:
                    m = store.get(self.profile.conn, hit.mentee_id)
                    names[hit.mentee_id] = m.title if m else ""
                who = f" — {names[hit.mentee_id]}"
            kind = RECORD_TYPES[hit.type].label
            item = QListWidgetItem(f"{hit.title}{who}  ·  {hit.when}\n    {kind}: {hit.snippet}")
            item.setData(
                Qt.ItemDataRole.UserRole, (hit.mentee_id if hit.type != "mentee" else hit.record_id, hit.record_id)
            )
            self.results.addItem(item)
        text = self.query.text().strip()
        self.count.setText("" if not text else f"{len(hits)} found" if hits else "Nothing found")
        if hits:
            self.results.setCurrentRow(0)

    def _enter(self) -> None:
        if self.timer.isActive():
            self.run()
        if self.results.currentItem() is not None:
            self._choose(self.results.currentItem())

    def _choose(self, item: QListWidgetItem) -> None:
        self.chosen = item.data(Qt.ItemDataRole.UserRole)
        self.accept()
