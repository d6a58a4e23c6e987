"""Prints what another program would paste from the X11 clipboard and primary selection, as JSON.

A program of its own on the same display (as any other application on the
laptop would be), so what it reads is what the X server hands out, not what
the app believes it holds. Used by test_atspi.py:

    DISPLAY=:N python x11_clipboard.py   ->   {"clipboard": "...", "selection": "..."}
"""

from __future__ import annotations

import json
import os
import sys

os.environ["QT_QPA_PLATFORM"] = "xcb"
os.environ.pop("QT_ACCESSIBILITY", None)

from PySide6.QtGui import QClipboard, QGuiApplication  # noqa: E402


def main() -> int:
    app = QGuiApplication(sys.argv[:1])
    board = app.clipboard()
    print(
        json.dumps(
            {
                "clipboard": board.text(QClipboard.Mode.Clipboard),
                "selection": board.text(QClipboard.Mode.Selection) if board.supportsSelection() else "",
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
