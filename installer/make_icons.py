"""Renders resources/icons/mentor-app.svg to the PNG, ICO and ICNS files the installers need (into build/icons)."""

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtGui import QGuiApplication, QIcon, QImage, QPainter  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    app = QGuiApplication(sys.argv[:1])  # noqa: F841 - Qt needs it to paint
    out = ROOT / "build" / "icons"
    out.mkdir(parents=True, exist_ok=True)
    icon = QIcon(str(ROOT / "resources" / "icons" / "mentor-app.svg"))
    image = QImage(256, 256, QImage.Format_ARGB32)
    image.fill(0)
    painter = QPainter(image)
    icon.paint(painter, 0, 0, 256, 256)
    painter.end()
    for name, fmt in (("mentor-app.png", "PNG"), ("mentor-app.ico", "ICO"), ("mentor-app.icns", "ICNS")):
        if not image.save(str(out / name), fmt):
            print(f"make_icons: couldn't write {name}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
