"""Sending a finished PDF to a printer; when that fails, the PDF is still there to print by hand."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from ..errors import MentorAppError


class PrinterError(MentorAppError):
    pass


def send_to_printer(pdf: Path, printer: str | None = None, *, run=subprocess.run) -> None:
    """Print `pdf` on `printer` (default: the system's default printer)."""
    pdf = Path(pdf)
    saved = f"The sheet is saved as a PDF at {pdf}: you can print it from there."
    if sys.platform.startswith("win"):
        try:
            os.startfile(str(pdf), "print")  # type: ignore[attr-defined]
        except OSError:
            raise PrinterError(f"Windows couldn't print the sheet. {saved}") from None
        return
    command = shutil.which("lp") or shutil.which("lpr")
    if command is None:
        raise PrinterError(f"No printing system was found on this computer. {saved}")
    args = [command]
    if printer:
        args += ["-d", printer] if command.endswith("lp") else ["-P", printer]
    try:
        result = run(args + [str(pdf)], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        raise PrinterError(f"The printer didn't answer. {saved}") from None
    if result.returncode != 0:
        reason = (result.stderr or "").strip().splitlines()[:1]
        detail = f" ({reason[0][:120]})" if reason else ""
        raise PrinterError(f"The printer didn't take the sheet{detail}. {saved}")
