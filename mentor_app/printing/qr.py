"""QR codes drawn straight onto the page: one filled path per code, encoded once per link."""

from __future__ import annotations

import itertools
from functools import lru_cache

from reportlab.graphics.barcode import qrencoder
from reportlab.platypus import Flowable

QUIET_ZONE = 4  # modules of white around the code, as the standard asks


@lru_cache(maxsize=512)
def modules(value: str) -> tuple[tuple[bool, ...], ...]:
    qr = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    qr.addData(value)
    qr.make()
    return tuple(tuple(bool(m) for m in row) for row in qr.modules)


class QrCode(Flowable):
    def __init__(self, value: str, size: float):
        super().__init__()
        self.value, self.size = value, size
        self.matrix = modules(value)

    def wrap(self, available_width, available_height):
        return self.size, self.size

    def draw(self) -> None:
        count = len(self.matrix)
        box = self.size / (count + 2 * QUIET_ZONE)
        path = self.canv.beginPath()
        for r, row in enumerate(self.matrix):
            c = 0
            for dark, run in itertools.groupby(row):
                length = len(list(run))
                if dark:
                    path.rect((c + QUIET_ZONE) * box, self.size - (r + QUIET_ZONE + 1) * box, length * box, box)
                c += length
        self.canv.saveState()
        self.canv.setFillColorRGB(0, 0, 0)
        self.canv.drawPath(path, stroke=0, fill=1)
        self.canv.restoreState()
