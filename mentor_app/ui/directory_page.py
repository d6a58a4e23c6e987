"""The signposting directory: find a service in seconds, keep local entries current."""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from .. import APP_NAME, clock
from ..directory.contacts import freshness, list_contacts
from ..errors import BadInput, MentorAppError
from ..records import store, vocab
from ..records.types import Contact, fields_of
from ..settings import load_settings
from ..storage.files import remove_chosen
from ..words import count
from . import record_dialogs as dialogs
from .widgets import pick_mnemonic, shown_value

# Window-wide shortcuts a one-line search box would otherwise swallow (Ctrl+Home is View › Today).
PASSED_TO_WINDOW = (QKeySequence("Ctrl+Home"), QKeySequence("Ctrl+End"))


class _LetShortcutsThrough(QObject):
    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and QKeySequence(event.keyCombination()) in PASSED_TO_WINDOW:
            event.ignore()
            return True
        return False


class DetailsView(QTextBrowser):
    """The chosen service in full: reached by Tab, read with the arrow keys, Tab moves on."""

    def __init__(self):
        super().__init__()
        self.setOpenLinks(False)
        self.setTabChangesFocus(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def text(self) -> str:
        return self.toPlainText()


def _button(text: str, slot) -> QPushButton:
    b = QPushButton(text)
    b.setAccessibleName(text.replace("&", "").rstrip("…"))
    b.clicked.connect(slot)
    return b


def contact_html(contact: Contact, stale_after: int) -> str:
    """A contact in full, with its freshness said plainly at the top."""
    fresh = freshness(contact, stale_after=stale_after)
    colour = "#a04000" if fresh.stale else "#2e6b00"
    parts = [f"<h3>{escape(contact.title())}</h3>", f"<p style='color:{colour}'>{escape(fresh.words)}</p>"]
    for fld in fields_of(Contact):
        value = getattr(contact, fld.name)
        if not value or fld.name in ("organisation", "service"):
            continue
        if fld.name == "categories":
            value = ", ".join(vocab.DIRECTORY_CATEGORIES.get(c, c) for c in value)
        else:
            value = shown_value(fld, value)
        parts.append(f"<p><b>{escape(fld.metadata['label'])}:</b> {escape(str(value)).replace(chr(10), '<br>')}</p>")
    return "".join(parts)


class DirectoryPage(QWidget):
    changed = Signal()

    def __init__(self, profile, parent=None, reserved: str = ""):
        """`reserved`: the Alt-letters the window around this page already uses."""
        super().__init__(parent)
        self.profile = profile
        used = set(reserved)
        self.text = QLineEdit()
        self.text.setAccessibleName("Search the directory")
        self.text.setPlaceholderText("What do they need? e.g. debt, housing, boxing, a town…")
        self._shortcuts = _LetShortcutsThrough(self)
        self.text.installEventFilter(self._shortcuts)
        self.category = QComboBox()
        self.category.setAccessibleName("Category")
        self.category.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.category.setMinimumContentsLength(16)
        self.category.addItem("All categories", "")
        for code, label in vocab.DIRECTORY_CATEGORIES.items():
            self.category.addItem(label, code)
        self.area = QLineEdit()
        self.area.setAccessibleName("Area")
        self.area.setPlaceholderText("Area (town)")
        self.area.setMaximumWidth(180)
        self.area.installEventFilter(self._shortcuts)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(150)
        self.timer.timeout.connect(self.refresh)
        for w in (self.text, self.area):
            w.textChanged.connect(lambda _: self.timer.start())
        self.category.currentIndexChanged.connect(self.refresh)

        self.results = QListWidget()
        self.results.setAccessibleName("Services found")
        self.results.setWordWrap(True)
        self.results.currentItemChanged.connect(self._show)
        self.results.itemActivated.connect(lambda _: self.edit_contact())
        self.details = DetailsView()
        self.details.setAccessibleName("Service details")
        self.count = QLabel()
        self.stale_after = load_settings(profile).stale_after_months

        filters = QHBoxLayout()
        for words, widget in (("&Search", self.text), ("Categor&y", self.category), ("Area", self.area)):
            field_label = QLabel(pick_mnemonic(words, used) if "&" in words else words)
            field_label.setBuddy(widget)  # the label is what a screen reader says for the field
            filters.addWidget(field_label)
            filters.addWidget(widget, 1 if widget is self.text else 0)
        split = QSplitter()
        split.addWidget(self.results)
        split.addWidget(self.details)
        split.setSizes([380, 420])
        # Two rows, so the page fits a 1024-pixel screen with larger text.
        buttons = QVBoxLayout()
        for group in (
            (
                ("&Add a service…", self.add_contact),
                ("&Edit…", self.edit_contact),
                ("Mark as &checked today", self.mark_checked),
                ("Delete…", self.delete_contact),
            ),
            (
                ("&Import CSV…", self.import_csv),
                ("E&xport CSV…", self.export_csv),
                ("Print a &booklet…", self.print_booklet),
            ),
        ):
            row = QHBoxLayout()
            for text, slot in group:
                row.addWidget(_button(pick_mnemonic(text, used) if "&" in text else text, slot))
            row.addStretch(1)
            buttons.addLayout(row)

        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<h2>Signposting directory</h2>"))
        layout.addLayout(filters)
        layout.addWidget(self.count)
        layout.addWidget(split, 1)
        layout.addLayout(buttons)

    def refresh(self, select: str | None = None) -> None:
        self.timer.stop()
        current = select or (
            self.results.currentItem().data(Qt.ItemDataRole.UserRole) if self.results.currentItem() else None
        )
        found = list_contacts(
            self.profile.conn, category=self.category.currentData(), area=self.area.text(), text=self.text.text()
        )
        self.stale_after = load_settings(self.profile).stale_after_months
        self.results.clear()
        for s in found:
            fresh = freshness(s.record, stale_after=self.stale_after)
            stale = fresh.stale
            local = "" if s.record.scope == vocab.ContactScope.NATIONAL else f" · {s.record.area or 'local'}"
            item = QListWidgetItem(("⚠ " if stale else "") + s.record.title() + local)
            item.setData(Qt.ItemDataRole.UserRole, s.id)
            if stale:
                item.setToolTip(fresh.words)
            self.results.addItem(item)
            if s.id == current:
                self.results.setCurrentItem(item)
        self.count.setText(f"{count(len(found), 'service')}. ⚠ = check the details before you rely on them.")
        if self.results.currentItem() is None and self.results.count():
            self.results.setCurrentRow(0)
        if not found:
            self.details.setText("Nothing matches. Try fewer words, another category, or add the service.")

    def _show(self, item, _previous=None) -> None:
        stored = store.get(self.profile.conn, item.data(Qt.ItemDataRole.UserRole)) if item else None
        self.details.setText(contact_html(stored.record, self.stale_after) if stored else "")

    def _current(self):
        item = self.results.currentItem()
        return store.get(self.profile.conn, item.data(Qt.ItemDataRole.UserRole)) if item else None

    def _after_change(self, select: str | None = None) -> None:
        self.refresh(select)
        self.changed.emit()

    def add_contact(self) -> None:
        form = dialogs.contact_form(self, self.profile)
        form.saved.connect(lambda _record: self._after_change(form.saved_id))
        form.exec()

    def edit_contact(self) -> None:
        stored = self._current()
        if stored is None:
            return
        form = dialogs.contact_form(self, self.profile, stored)
        form.saved.connect(lambda _record: self._after_change(stored.id))
        form.exec()

    def mark_checked(self) -> None:
        stored = self._current()
        if stored is None:
            return
        contact = stored.record
        contact.last_checked, contact.checked_by = clock.today().isoformat(), self.profile.display_name
        if contact.origin == vocab.ContactOrigin.DEFAULT:
            contact.origin = "local"  # reviewed here, so it is this laptop's entry now
        store.save(self.profile.conn, contact, author=self.profile.author, record_id=stored.id)
        self._after_change(stored.id)

    def delete_contact(self) -> None:
        stored = self._current()
        if stored is None:
            return
        if (
            QMessageBox.question(
                self,
                APP_NAME,
                f"Delete {stored.record.title()} from the directory? Referrals already recorded keep its name.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            != QMessageBox.StandardButton.Yes
        ):
            return
        store.delete(self.profile.conn, stored.id, author=self.profile.author)
        self._after_change()

    def import_csv(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "Import a directory", "", "Spreadsheets (*.csv *.xlsx);;All files (*)"
        )
        if not name:
            return
        from ..directory import csv_io  # imported when used: most days nobody imports or exports

        try:
            plan = csv_io.read_csv(Path(name), self.profile.conn)
        except BadInput as exc:
            QMessageBox.warning(self, APP_NAME, exc.message)
            return
        only_good = merge = False
        if plan.problems:
            lines = "\n".join(p.words() for p in plan.problems[:15])
            box = QMessageBox(
                QMessageBox.Icon.Warning,
                APP_NAME,
                f"{count(len(plan.problems), 'row')} {'has' if len(plan.problems) == 1 else 'have'} problems:"
                f"\n\n{lines}\n\n"
                f"{count(len(plan.good), 'row')} {'is' if len(plan.good) == 1 else 'are'} fine. "
                "Import only the good rows?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                self,
            )
            if box.exec() != QMessageBox.StandardButton.Yes:
                return
            only_good = True
        if plan.duplicates:
            merge = (
                QMessageBox.question(
                    self,
                    APP_NAME,
                    f"{count(len(plan.duplicates), 'row')} {'has' if len(plan.duplicates) == 1 else 'have'} "
                    "the same organisation and phone as an entry already there. "
                    "Merge them into those entries (filling in what is missing)? "
                    "No leaves them out.",
                )
                == QMessageBox.StandardButton.Yes
            )
        try:
            result = csv_io.apply_plan(
                self.profile.conn, plan, author=self.profile.author, only_good_rows=only_good, merge_duplicates=merge
            )
        except MentorAppError as exc:
            QMessageBox.warning(self, APP_NAME, exc.message)
            return
        QMessageBox.information(self, APP_NAME, result.words())
        self._after_change()

    def export_csv(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "Export the directory", "directory.csv", "CSV files (*.csv)")
        if name:
            from ..directory import csv_io  # imported when used: most days nobody imports or exports

            try:
                remove_chosen(Path(name))  # the save dialog asked before replacing
                exported = csv_io.export_csv(self.profile.conn, Path(name))
            except MentorAppError as exc:
                QMessageBox.warning(self, APP_NAME, exc.message)
                return
            except OSError as exc:
                QMessageBox.warning(self, APP_NAME, f"Couldn't write {Path(name).name}: {exc.strerror}.")
                return
            QMessageBox.information(self, APP_NAME, f"Exported {count(exported, 'service')} to {name}.")

    def print_booklet(self) -> None:
        from .sheet_dialog import SheetDialog  # imported when used: it loads the PDF toolkit

        SheetDialog(self.profile, None, booklet_category=self.category.currentData() or "", parent=self).exec()
