"""A read-only table whose rows are records: refreshed in place, so focus and a screen reader stay on the record.

Refilling a table cell by cell leaves the current row where it was while the
record under it changes, and a screen reader goes on speaking the old row's
person. Here each row has a stable key (a record id, a device's fingerprint);
a refresh removes the rows that went, inserts the new ones, moves the ones
that moved and says which rows changed, never resetting the model. The current
row and the selection follow their record, and what is spoken is the new text.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

from PySide6.QtCore import QAbstractTableModel, QItemSelectionModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QTableView

ROWS_MEASURED = 100
COLUMN_MAX_WIDTH = 260  # pixels; the full text of a cut-short cell is in its tooltip
TOOLTIP_FROM = 20  # characters: a longer cell, which a capped column may cut short, has a tooltip
KEY_ROLE = Qt.ItemDataRole.UserRole  # a row's key, as QTableWidget items held it in their UserRole
_ROOT = QModelIndex()  # the invalid index: the table's rows hang from it (only ever read)


def _unique(keys: Sequence[Hashable]) -> list[Hashable]:
    """The keys, with a repeated one told apart by how many times it came before."""
    seen: dict = {}
    out = []
    for key in keys:
        n = seen.get(key, 0)
        seen[key] = n + 1
        out.append(key if n == 0 else (key, n))
    return out


class RecordTableModel(QAbstractTableModel):
    """Rows of text, each with a key; `set_rows` updates the rows in place."""

    def __init__(self, headers: Sequence[str], parent=None):
        super().__init__(parent)
        self._headers = list(headers)
        self._ids: list[Hashable] = []  # unique, what the rows are matched by
        self._keys: list = []  # as given, what KEY_ROLE answers
        self._rows: list[list[str]] = []

    # -- reading --------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:  # noqa: N802 - Qt's name
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._headers)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        text = self._rows[index.row()][index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return text
        if role == Qt.ItemDataRole.ToolTipRole:
            return text if len(text) > TOOLTIP_FROM else None  # the whole text, where the column cuts it short
        if role == KEY_ROLE:
            return self._keys[index.row()]
        return None

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if (
            orientation == Qt.Orientation.Horizontal
            and role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole)
            and 0 <= section < len(self._headers)
        ):
            return self._headers[section]
        return None

    def flags(self, index):
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable if index.isValid() else Qt.ItemFlag.NoItemFlags

    def key(self, row: int):
        return self._keys[row] if 0 <= row < len(self._keys) else None

    def row_of(self, key) -> int:
        """The row holding `key`, or -1."""
        try:
            return self._keys.index(key)
        except ValueError:
            return -1

    def text(self, row: int, column: int) -> str:
        return self._rows[row][column]

    # -- refreshing -----------------------------------------------------------
    def set_rows(self, rows: Sequence[Sequence], keys: Sequence | None = None) -> None:
        """Show `rows` (in this order), matched to the rows shown now by `keys` (or by their text)."""
        width = len(self._headers)
        texts = [[("" if v is None else str(v)) for v in list(row)[:width]] + [""] * (width - len(row)) for row in rows]
        given = list(keys) if keys is not None else [tuple(r) for r in texts]
        if len(given) != len(texts):
            raise ValueError("one key per row")
        ids = _unique(given)
        wanted = set(ids)
        root = QModelIndex()
        # 1. The rows that went, from the bottom up, a run at a time.
        gone = [i for i, rid in enumerate(self._ids) if rid not in wanted]
        while gone:
            last = first = gone.pop()
            while gone and gone[-1] == first - 1:
                first = gone.pop()
            self.beginRemoveRows(root, first, last)
            del self._ids[first : last + 1], self._keys[first : last + 1], self._rows[first : last + 1]
            self.endRemoveRows()
        # 2. Walk the new order: keep, move up, or insert (a run of new rows at once).
        present = set(self._ids)
        i = 0
        while i < len(ids):
            rid = ids[i]
            if i < len(self._ids) and self._ids[i] == rid:
                pass
            elif rid in present:
                j = self._ids.index(rid, i)
                self.beginMoveRows(root, j, j, root, i)
                self._ids.insert(i, self._ids.pop(j))
                self._keys.insert(i, self._keys.pop(j))
                self._rows.insert(i, self._rows.pop(j))
                self.endMoveRows()
            else:
                end = i
                while end + 1 < len(ids) and ids[end + 1] not in present:
                    end += 1
                self.beginInsertRows(root, i, end)
                self._ids[i:i] = ids[i : end + 1]
                self._keys[i:i] = given[i : end + 1]
                self._rows[i:i] = texts[i : end + 1]
                self.endInsertRows()
                i = end + 1
                continue
            if self._rows[i] != texts[i] or self._keys[i] != given[i]:
                self._rows[i], self._keys[i] = texts[i], given[i]
                self.dataChanged.emit(self.index(i, 0), self.index(i, width - 1))
            i += 1


class Cell:
    """One cell as QTableWidget's items were read: `text()`, `toolTip()` and `data(role)`."""

    def __init__(self, model: RecordTableModel, row: int, column: int):
        self._index = model.index(row, column)

    def text(self) -> str:
        return self._index.data(Qt.ItemDataRole.DisplayRole) or ""

    def toolTip(self) -> str:  # noqa: N802
        return self._index.data(Qt.ItemDataRole.ToolTipRole) or ""

    def data(self, role=Qt.ItemDataRole.DisplayRole):
        return self._index.data(role)


class RecordTable(QTableView):
    """A read-only table of records: Tab leaves it, the arrow keys move between rows, long cells are capped."""

    choice_changed = Signal(object)  # the key of the chosen record, or None: a person's choice, or their record left

    def __init__(self, name: str, headers: Sequence[str], parent=None, *, choose_next: bool = True):
        """`choose_next`: when the chosen record leaves, the row the keyboard moves to is chosen in its place
        (not where choosing shows a person's records, which only a person's own choice may open)."""
        super().__init__(parent)
        self.choose_next = choose_next
        self.model_ = RecordTableModel(headers, self)
        self.setModel(self.model_)
        self._updating = False
        self.selectionModel().selectionChanged.connect(self._selection_changed)
        self.setAccessibleName(name)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setTabKeyNavigation(False)  # Tab moves to the next control; the arrow keys move between rows
        self.setWordWrap(False)
        self.horizontalHeader().setStretchLastSection(True)
        # Column widths are measured on the first rows only: a thousand people's names are otherwise all
        # measured at every refresh, on the UI thread. Longer cells further down can be widened by hand.
        self.horizontalHeader().setResizeContentsPrecision(ROWS_MEASURED)
        self.verticalHeader().setVisible(False)

    def set_rows(self, rows: Sequence[Sequence], keys: Sequence | None = None) -> None:
        """Refresh in place; the current row and the selection stay on their record while it is there."""
        before = self.selected_key()
        self._updating = True
        try:
            self.model_.set_rows(rows, keys)
            current = self.currentIndex()
            if before is not None and self.model_.row_of(before) < 0:
                if not self.choose_next:
                    self.clearSelection()
                elif current.isValid() and not self.selectionModel().isRowSelected(current.row(), QModelIndex()):
                    # The chosen record went (e.g. acknowledged): the row the keyboard moved to is the one chosen
                    # now, so what is highlighted, what is spoken and what the buttons act on are the same record.
                    self.selectionModel().setCurrentIndex(
                        current,
                        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
                    )
        finally:
            self._updating = False
        if self.selected_key() != before:
            self.choice_changed.emit(self.selected_key())
        # The last column stretches to the table's edge, so only the others are measured. A long note in
        # one column must not push the columns after it off a small screen.
        for column in range(self.model_.columnCount() - 1):
            self.resizeColumnToContents(column)
            self.setColumnWidth(column, min(self.columnWidth(column), COLUMN_MAX_WIDTH))

    def focusInEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().focusInEvent(event)
        # Tabbed into with nothing chosen, the framed row is the chosen one: the buttons after the table
        # act on the row the person sees and hears (not where choosing opens a person's records).
        if self.choose_next and self.model_.rowCount() and not self.selectionModel().hasSelection():
            row = max(self.currentIndex().row(), 0)
            self.selectionModel().setCurrentIndex(
                self.model_.index(row, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
            )

    # -- what is chosen -------------------------------------------------------
    def _selection_changed(self, *_args) -> None:
        if not self._updating:
            self.choice_changed.emit(self.selected_key())

    def selected_key(self):
        """The key of the selected row, or None."""
        rows = self.selectionModel().selectedRows()
        return self.model_.key(rows[0].row()) if rows else None

    def current_key(self):
        """The key of the row the keyboard (and a screen reader) is on, or None."""
        index = self.currentIndex()
        return self.model_.key(index.row()) if index.isValid() else None

    def chosen_key(self):
        """The key of the selected row; with none selected, of the row the keyboard is on; else None."""
        chosen = self.selected_key()
        return chosen if chosen is not None else self.current_key()

    # -- read like QTableWidget: for the window's own code, tests and the bench --
    def rowCount(self) -> int:  # noqa: N802
        return self.model_.rowCount()

    def columnCount(self) -> int:  # noqa: N802
        return self.model_.columnCount()

    def item(self, row: int, column: int) -> Cell | None:
        if not (0 <= row < self.rowCount() and 0 <= column < self.columnCount()):
            return None
        return Cell(self.model_, row, column)
