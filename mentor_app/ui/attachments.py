"""A person's attachments on their page: the list, Attach…, View…, Save a copy… and Remove….

A picture is decoded from the bytes in memory and shown in a dialog; nothing is written to disk. A PDF
can't be shown without a file (the Qt the app ships has no PDF viewer), so it is read from a copy the
person saves, on purpose, to a place they choose: a brand-new file, never through a link.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QImageReader, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from .. import APP_NAME
from ..errors import MentorAppError
from ..records import attachments
from ..records.dates import shown_date
from ..storage.files import remove_chosen
from ..words import file_size
from .messages import plain
from .screen_room import resize_within_screen
from .widgets import forget_when_closed, named

if TYPE_CHECKING:
    from ..storage.profile import Profile

LIMITS = (
    f"Photos and scans (JPEG or PNG) and PDF documents, up to {file_size(attachments.MAX_FILE_BYTES)} each and "
    f"{file_size(attachments.MAX_PERSON_BYTES)} for one person. They are kept encrypted inside these notes."
)
PICK_FILTER = "Photos, scans and PDFs (*.jpg *.jpeg *.png *.pdf *.JPG *.JPEG *.PNG *.PDF);;All files (*)"
LONGEST_SIDE = 4000  # a picture is decoded no larger than this: a scanned page stays readable, memory stays sane


def short_name(name: str, most: int = 80) -> str:
    """A file name short enough for a message box: a long one loses its middle, never its ending."""
    if len(name) <= most:
        return name
    half = (most - 1) // 2
    return f"{name[:half]}…{name[-half:]}"


def _busy(work):
    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        return work()
    finally:
        QApplication.restoreOverrideCursor()


def decode_picture(data: bytes) -> QPixmap:
    """A picture from its bytes in memory, the way up a phone's camera meant it; a null pixmap if it can't be read."""
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer)
    reader.setAutoTransform(True)
    size = reader.size()
    if size.isValid() and max(size.width(), size.height()) > LONGEST_SIDE:
        reader.setScaledSize(size.scaled(LONGEST_SIDE, LONGEST_SIDE, Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    buffer.close()
    return QPixmap.fromImage(image) if not image.isNull() else QPixmap()


class PictureDialog(QDialog):
    """One attached picture, fitted to the window or at its own size; Save a copy… and Close."""

    def __init__(self, attachment: attachments.Attachment, picture: QPixmap, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"{attachment.name} — {APP_NAME}")
        self.picture, self.attachment = picture, attachment
        self.wants_copy = False
        title = QLabel()
        title.setTextFormat(Qt.TextFormat.PlainText)
        title.setText(title.fontMetrics().elidedText(attachment.name, Qt.TextElideMode.ElideMiddle, 700))
        title.setToolTip(attachment.name)
        self.shown = QLabel()
        self.shown.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.shown.setAccessibleName(f"Picture: {attachment.name}")
        self.shown.setAccessibleDescription(
            f"{attachment.what}, {picture.width()} by {picture.height()} pixels, "
            f"attached {shown_date(attachment.added_at)}."
        )
        self.area = named(QScrollArea(), "The picture (arrow keys move around it at its own size)")
        self.area.setWidget(self.shown)
        self.area.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.area.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.actual = named(QPushButton("&Actual size"), "Show at its own size")
        self.actual.setCheckable(True)
        self.actual.toggled.connect(self._fit)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        copy = buttons.addButton("&Save a copy…", QDialogButtonBox.ButtonRole.ActionRole)
        copy.setAccessibleName("Save a copy")
        copy.clicked.connect(self._copy)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.actual)
        row.addStretch(1)
        row.addWidget(buttons)
        box = QVBoxLayout(self)
        box.addWidget(title)
        box.addWidget(self.area, 1)
        box.addLayout(row)
        resize_within_screen(self, 1000, 700)
        forget_when_closed(self)
        self._fit()
        self.area.setFocus()

    def _copy(self) -> None:
        self.wants_copy = True
        self.accept()

    def _fit(self, _actual: bool = False) -> None:
        if self.actual.isChecked():
            self.area.setWidgetResizable(False)
            self.shown.setPixmap(self.picture)
            self.shown.adjustSize()
            return
        self.area.setWidgetResizable(True)
        room = self.area.viewport().size() - QSize(4, 4)
        fitted = self.picture
        if self.picture.width() > room.width() or self.picture.height() > room.height():
            fitted = self.picture.scaled(
                room, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
            )
        self.shown.setPixmap(fitted)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        if not self.actual.isChecked():
            # Once the layout has given the scrolling area its new size: fitted to that, not the old one.
            QTimer.singleShot(0, self, self._fit)


class AttachToDialog(QDialog):
    """Which of the person's records a file goes with: them, or one of their consent records."""

    def __init__(self, choices: list[tuple[str, str]], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Attach it to")
        self.list = named(QListWidget(), "What to attach the file to")
        for record_id, words in choices:
            item = QListWidgetItem(words)
            item.setData(Qt.ItemDataRole.UserRole, record_id)
            self.list.addItem(item)
        self.list.setCurrentRow(0)
        self.list.itemActivated.connect(lambda _item: self.accept())
        label = QLabel("What is this file about? Their details, or one of their consent records:")
        label.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        box = QVBoxLayout(self)
        box.addWidget(label)
        box.addWidget(self.list, 1)
        box.addWidget(buttons)
        resize_within_screen(self, 560, 320)
        forget_when_closed(self)
        self.list.setFocus()  # the arrow keys choose at once; Enter attaches

    def chosen(self) -> str | None:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None


class AttachmentsBox(QWidget):
    """The list of one person's attachments with its four buttons, for the mentee page."""

    said = Signal(str)  # what was just done, in words, for the window's status line

    def __init__(self, profile: Profile, parent: QWidget | None = None):
        super().__init__(parent)
        self.profile = profile
        self.mentee_id: str | None = None
        self.items: list[QTreeWidgetItem] = []
        self.list = QTreeWidget()
        self.list.setAccessibleName("Attachments")
        self.list.setHeaderLabels(["File", "What", "Attached to", "Added"])
        self.list.setRootIsDecorated(False)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setColumnWidth(0, 220)
        self.list.setColumnWidth(1, 150)
        self.list.setColumnWidth(2, 200)
        self.list.setMinimumHeight(90)
        self.list.setMaximumHeight(180)
        self.list.itemActivated.connect(lambda _item: self.view())
        self.empty = QLabel("No attachments yet.")
        hint = QLabel(LIMITS)
        hint.setWordWrap(True)
        buttons = QHBoxLayout()
        for text, slot, name in (
            ("Attach a file…", self.attach, "Attach a file"),
            ("View…", self.view, "View the selected attachment"),
            ("Save a copy…", self.save_copy, "Save a copy of the selected attachment"),
            ("Remove…", self.remove, "Remove the selected attachment"),
        ):
            b = named(QPushButton(text), name)
            b.clicked.connect(slot)
            buttons.addWidget(b)
        buttons.addStretch(1)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(hint)
        box.addWidget(self.empty)
        box.addWidget(self.list)
        box.addLayout(buttons)

    # -- showing ------------------------------------------------------------
    def show_for(self, mentee_id: str) -> None:
        self.mentee_id = mentee_id
        self.refresh()

    def refresh(self) -> None:
        self.list.clear()
        self.items = []
        if self.mentee_id is None:
            return
        conn = self.profile.conn
        for a in attachments.list_for(conn, self.mentee_id):
            item = QTreeWidgetItem([a.name, a.what, attachments.belongs_to(conn, a), shown_date(a.added_at)])
            item.setData(0, Qt.ItemDataRole.UserRole, a.id)
            item.setToolTip(0, a.name)
            self.list.addTopLevelItem(item)
            self.items.append(item)
        self.empty.setVisible(not self.items)
        if self.items:
            self.list.setCurrentItem(self.items[-1])  # the newest, just attached

    def names(self) -> list[str]:
        """The files listed, as shown."""
        return [item.text(0) for item in self.items]

    def _selected(self) -> str | None:
        item = self.list.currentItem()
        if item is None:
            QMessageBox.information(self, APP_NAME, "Choose an attachment in the list first.")
            return None
        found: str = item.data(0, Qt.ItemDataRole.UserRole)
        return found

    # -- acting -------------------------------------------------------------
    def attach(self) -> None:
        if self.mentee_id is None:
            return
        name, _ = QFileDialog.getOpenFileName(self, "Choose a photo, scan or PDF to attach", "", PICK_FILTER)
        if not name:
            return
        choices = attachments.targets(self.profile.conn, self.mentee_id)
        record_id: str | None = choices[0][0]
        if len(choices) > 1:
            ask = AttachToDialog(choices, self)
            record_id = ask.chosen() if ask.exec() == QDialog.DialogCode.Accepted else None
        if record_id is None or self.profile.closed:
            return
        try:
            _busy(lambda: attachments.attach(self.profile.conn, record_id, Path(name), author=self.profile.author))
        except MentorAppError as exc:
            QMessageBox.warning(self, APP_NAME, plain(exc))
            return
        self.refresh()
        self.said.emit("Attached. It is kept encrypted with their notes.")

    def view(self) -> None:
        attachment_id = self._selected()
        if attachment_id is None:
            return
        found = attachments.get(self.profile.conn, attachment_id)
        if found is None:
            self.refresh()
            return
        if not found.is_image:
            self._pdf(found)
            return
        try:
            found, data = attachments.view(self.profile.conn, attachment_id, author=self.profile.author)
        except MentorAppError as exc:
            QMessageBox.warning(self, APP_NAME, plain(exc))
            return
        picture = decode_picture(data)
        del data
        if picture.isNull():
            QMessageBox.warning(
                self,
                APP_NAME,
                "This picture can't be shown: the file may be damaged, or in a form this computer can't draw. "
                "Save a copy to open it in another program.",
            )
            return
        dialog = PictureDialog(found, picture, self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.wants_copy:
            self._copy(found)

    def _pdf(self, found: attachments.Attachment) -> None:
        answer = QMessageBox.question(
            self,
            APP_NAME,
            "A PDF can't be shown inside Mentor App. To read it, save a copy to a place you choose and open "
            "that. The copy is not encrypted: delete it when you're done.\n\nSave a copy now?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )
        if answer == QMessageBox.StandardButton.Save:
            self._copy(found)

    def save_copy(self) -> None:
        attachment_id = self._selected()
        found = attachments.get(self.profile.conn, attachment_id) if attachment_id else None
        if found is not None:
            self._copy(found)

    def _copy(self, found: attachments.Attachment) -> None:
        suggested = found.name if Path(found.name).suffix else found.name + found.suffix
        name, _ = QFileDialog.getSaveFileName(self, "Save a copy of the attachment (not encrypted)", suggested)
        if not name or self.profile.closed:
            return
        target = Path(name)
        try:
            remove_chosen(target)  # the save dialog asked before replacing; the copy is created new
            _busy(lambda: attachments.save_copy(self.profile.conn, found.id, target, author=self.profile.author))
        except OSError as exc:
            QMessageBox.warning(self, APP_NAME, f"Couldn't write {target.name}: {exc.strerror or 'refused'}.")
            return
        except MentorAppError as exc:
            QMessageBox.warning(self, APP_NAME, plain(exc))
            return
        self.said.emit(f"Saved a copy to {target}. It is not encrypted: delete it when you no longer need it.")

    def remove(self) -> None:
        attachment_id = self._selected()
        found = attachments.get(self.profile.conn, attachment_id) if attachment_id else None
        if found is None:
            return
        answer = QMessageBox.question(
            self,
            APP_NAME,
            f"Remove “{short_name(found.name)}”? This can't be undone from here (a backup taken earlier still has it).",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes or self.profile.closed:
            return
        try:
            attachments.remove(self.profile.conn, found.id, author=self.profile.author)
        except MentorAppError as exc:
            QMessageBox.warning(self, APP_NAME, plain(exc))
        self.refresh()
        self.said.emit("Attachment removed.")
