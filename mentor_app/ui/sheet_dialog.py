"""Choose the services for a sheet (or a booklet), then save it as PDF or print it."""

from __future__ import annotations

import tempfile
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
)

from .. import APP_NAME, clock
from ..directory.contacts import freshness, list_contacts
from ..directory.preselect import preselect
from ..errors import MentorAppError
from ..i18n import ENGLISH
from ..printing.printer import send_to_printer
from ..printing.sheet import SheetOptions, build_booklet, build_sheet
from ..records import store, vocab
from ..settings import load_settings
from ..storage import audit
from ..storage.files import remove_chosen
from ..words import count
from .messages import plain
from .widgets import busy_bar, error_label, forget_when_closed, named
from .worker import Job, run_in_background


class SheetDialog(QDialog):
    """For a mentee (a signposting sheet) or, with no mentee, a booklet of the directory."""

    def __init__(self, profile, mentee_id: str | None, booklet_category: str = "", parent=None):
        super().__init__(parent)
        forget_when_closed(self)
        self.profile, self.mentee_id, self.category = profile, mentee_id, booklet_category
        self.mentee = store.get(profile.conn, mentee_id) if mentee_id else None
        self._preview_dir: tempfile.TemporaryDirectory | None = None
        self.setWindowTitle("Signposting sheet" if self.mentee else "Services booklet")
        self.setMinimumSize(560, 560)

        self.contacts = named(QListWidget(), "Services on the sheet")
        picked = dict(preselect(profile.conn, mentee_id)) if self.mentee and mentee_id else {}
        months = load_settings(profile).stale_after_months
        for s in list_contacts(profile.conn, category=booklet_category):
            flag = " ⚠" if freshness(s.record, stale_after=months).stale else ""
            item = QListWidgetItem(f"{s.record.title()}{flag}")
            item.setData(Qt.ItemDataRole.UserRole, s.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(
                Qt.CheckState.Checked if (s.id in picked or not self.mentee) else Qt.CheckState.Unchecked
            )
            self.contacts.addItem(item)
        self.groups = picked
        self.large = named(QCheckBox("&Large print (16 pt and bigger)"), "Large print")
        self.paper = named(QComboBox(), "Paper size")
        self.paper.addItems(["A4", "Letter"])
        self.language = named(QComboBox(), "Language of the sheet")
        for code, name in vocab.SHEET_LANGUAGES.items():
            self.language.addItem(name, code)
        preferred = self.mentee.record.language if self.mentee else ""
        self.language.setCurrentIndex(max(0, self.language.findData(preferred or ENGLISH)))
        self.with_name = named(QCheckBox("Print their &name on the sheet"), "Print their name on the sheet")
        self.with_name.setVisible(self.mentee is not None)
        note = QLabel(
            "Leave the name off unless they want it: a sheet can be lost."
            if self.mentee
            else "Every service in the directory"
            + (f" under {vocab.DIRECTORY_CATEGORIES[booklet_category]}" if booklet_category else "")
            + ", with a contents page."
        )
        note.setWordWrap(True)
        self.error = error_label()
        self.busy = busy_bar("Making the PDF")
        self._job: Job | None = None
        buttons = QHBoxLayout()
        for text, slot in (
            ("&Preview", self.preview),
            ("&Save as PDF…", self.save_pdf),
            ("Pr&int…", self.print_it),
            ("Close", self.reject),
        ):
            b = QPushButton(text)
            b.setAccessibleName(text.replace("&", "").rstrip("…"))
            b.clicked.connect(slot)
            buttons.addWidget(b)
        options = QHBoxLayout()
        options.addWidget(self.large)
        paper_label = QLabel("Pape&r size:")
        paper_label.setBuddy(self.paper)  # so a screen reader says "Paper size, A4"
        options.addWidget(paper_label)
        options.addWidget(self.paper)
        language_label = QLabel("Lan&guage:")
        language_label.setBuddy(self.language)  # "Language of the sheet, Cymraeg"
        options.addWidget(language_label)
        options.addWidget(self.language)
        options.addStretch(1)
        layout = QVBoxLayout(self)
        heading = QLabel(
            "&Tick the services to include" + (f" for {self.mentee.record.title()}:" if self.mentee else ":")
        )
        heading.setBuddy(self.contacts)
        layout.addWidget(heading)
        layout.addWidget(self.contacts, 1)
        layout.addLayout(options)
        layout.addWidget(self.with_name)
        layout.addWidget(note)
        layout.addWidget(self.error)
        layout.addWidget(self.busy)
        layout.addLayout(buttons)

    def chosen(self) -> list:
        out = []
        for i in range(self.contacts.count()):
            item = self.contacts.item(i)
            if item.checkState() == Qt.CheckState.Checked:
                stored = store.get(self.profile.conn, item.data(Qt.ItemDataRole.UserRole))
                if stored is not None:
                    out.append((stored.id, stored.record))
        return out

    def options(self) -> SheetOptions:
        settings = load_settings(self.profile)
        title = "Services that can help you" if self.mentee else "Services near you"
        name = self.mentee.record.title() if (self.mentee and self.with_name.isChecked()) else ""
        groups = dict(self.groups) if self.mentee else {cid: self.category for cid, _ in self.chosen() if self.category}
        return SheetOptions(
            large_print=self.large.isChecked(),
            page_size=self.paper.currentText(),
            title=title,
            mentee_name=name,
            organisation=settings.organisation,
            emergency_numbers=settings.emergency_numbers,
            groups=groups,
            stale_after_months=settings.stale_after_months,
            language=self.language.currentData(),
        )

    def write(self, path: Path, then) -> None:
        """Build the PDF off the UI thread (a booklet takes seconds), then call `then(path)`."""
        contacts = self.chosen()
        if not contacts:
            self.error.setText("Tick at least one service.")
            return
        self.error.clear()
        builder = build_sheet if self.mentee else build_booklet
        options = self.options()
        self.busy.setVisible(True)
        self.setEnabled(False)

        def finished(result) -> None:
            self.busy.setVisible(False)
            self.setEnabled(True)
            if self.mentee_id:
                audit.record(
                    self.profile.conn,
                    "sheet",
                    actor=self.profile.author,
                    mentee_id=self.mentee_id,
                    detail=count(len(contacts), "service"),
                )
            then(result)

        def failed(exc: BaseException) -> None:
            self.busy.setVisible(False)
            self.setEnabled(True)
            self.error.setText(
                f"Couldn't write the PDF: {exc.strerror or 'the file could not be written'}."
                if isinstance(exc, OSError)
                else plain(exc)
            )

        def build():
            remove_chosen(path)  # the save dialog asked before replacing; a preview replaces the last one
            return builder(contacts, path, options)

        self._job = run_in_background(build, finished, failed)

    def preview(self) -> None:
        if self._preview_dir is None:
            self._preview_dir = tempfile.TemporaryDirectory(prefix="mentor-app-sheet-")
        self.write(Path(self._preview_dir.name) / "preview.pdf", self._show_preview)

    def _show_preview(self, path: Path) -> None:
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
            self.error.setText(
                "This computer has no program set up to show PDFs, so the preview can't open. "
                "Use Save as PDF… to keep it, or Print… to print it."
            )

    def save_pdf(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "Save the sheet", "services.pdf", "PDF files (*.pdf)")
        if name:
            self.write(Path(name), lambda path: QMessageBox.information(self, APP_NAME, f"Saved to {path}."))

    def print_it(self) -> None:
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter  # imported when used: Qt's printing is slow to load

        printer = QPrinter()
        if QPrintDialog(printer, self).exec() != QDialog.DialogCode.Accepted:
            return
        documents = Path.home() / "Documents"
        folder = documents if documents.is_dir() else Path.home()
        stamp = clock.local_now().strftime("%Y%m%d-%H%M%S")
        target = folder / f"{'signposting-sheet' if self.mentee else 'services-booklet'}-{stamp}.pdf"
        self.write(target, lambda path: self._send(path, printer.printerName() or None))

    def _send(self, path: Path, printer_name: str | None) -> None:
        try:
            send_to_printer(path, printer_name)
        except MentorAppError as exc:
            QMessageBox.warning(self, APP_NAME, exc.message)
            return
        audit.record(
            self.profile.conn,
            "print",
            actor=self.profile.author,
            mentee_id=self.mentee_id or "",
            detail="signposting sheet" if self.mentee_id else "services booklet",
        )
        QMessageBox.information(self, APP_NAME, f"Sent to the printer. A copy is saved at {path}.")

    def done(self, result: int) -> None:
        if self._preview_dir is not None:
            self._preview_dir.cleanup()
            self._preview_dir = None
        super().done(result)
