"""Signposting sheets and booklets: milliseconds per sheet, seconds per 100-contact booklet.

Run: .venv/bin/python bench/sheets.py   (prints a Markdown table; not a test)
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from mentor_app.printing.qr import modules
from mentor_app.printing.sheet import SheetOptions, build_booklet, build_sheet
from mentor_app.records import vocab
from mentor_app.records.types import Contact
from mentor_app.settings import DEFAULT_EMERGENCY_NUMBERS


def contact(i: int) -> Contact:
    categories = list(vocab.DIRECTORY_CATEGORIES)
    return Contact(organisation=f"Service number {i}", service="Drop-in advice", categories=[categories[i % 13]],
                   help_with="Free help and advice, no appointment needed. " * 2, phone=f"01632 960{i % 1000:03d}",
                   website=f"https://service{i}.example.org", address=f"{i} High Street, Riverside RV1 {i % 9}AB",
                   opening_hours="Mon–Fri 9am–5pm", what_to_bring="Any ID you have", last_checked="2026-10-01")


def main() -> int:
    options = SheetOptions(emergency_numbers=DEFAULT_EMERGENCY_NUMBERS, organisation="Bench")
    six = [(str(i), contact(i)) for i in range(6)]
    hundred = [(str(i), contact(i)) for i in range(100)]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        build_sheet(six, Path(tmp) / "warm.pdf", options)  # font registration happens once per process
        for label, opts in (("sheet, 6 services", options),
                            ("sheet, 6 services, large print", SheetOptions(large_print=True,
                                                                            emergency_numbers=DEFAULT_EMERGENCY_NUMBERS))):
            samples = []
            for n in range(15):
                modules.cache_clear()  # every sheet pays for encoding its QR codes
                start = time.perf_counter()
                build_sheet(six, Path(tmp) / f"s{n}.pdf", opts)
                samples.append(time.perf_counter() - start)
            rows.append((label, f"{statistics.median(samples) * 1000:.0f} ms",
                         f"{min(samples) * 1000:.0f}–{max(samples) * 1000:.0f} ms"))
        samples = []
        for n in range(3):
            modules.cache_clear()
            start = time.perf_counter()
            build_booklet(hundred, Path(tmp) / f"b{n}.pdf", options)
            samples.append(time.perf_counter() - start)
        pages = (Path(tmp) / "b0.pdf").read_bytes().count(b"/Type /Page\n") or "?"
        rows.append((f"booklet, 100 services ({pages} pages, with contents)", f"{statistics.median(samples):.2f} s",
                     f"{min(samples):.2f}–{max(samples):.2f} s"))
    print("| what | median | range |")
    print("| --- | --- | --- |")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
