"""The app's own log files and crash reports: what happened and when, never what a record says.

Lines name events and record ids only. A filter on the file handler is the second line of defence: whatever a
careless call passes along (arguments, exception messages, stack values) is dropped before it reaches the disk.
"""

from __future__ import annotations

import logging
import os
import re
import traceback
from datetime import date, datetime, timedelta
from io import TextIOWrapper
from logging.handlers import TimedRotatingFileHandler
from pathlib import Path
from types import TracebackType
from typing import cast

import platformdirs

from . import APP_NAME, clock
from .storage.files import make_private_dir

LOGGER = "mentor_app"
DIR_ENV = "MENTOR_APP_LOG_DIR"
KEEP_DAYS = 14
KEEP_CRASHES = 20
CRASH_DIR = "crashes"
HIDDEN = "[hidden]"

_PACKAGE = Path(__file__).resolve().parent
_KIND = re.compile(r"^[a-z]+$")
_RECORD_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_DATED = re.compile(r"^(?P<kind>[a-z]+)\.log\.(?P<day>\d{4}-\d{2}-\d{2})$")
_CRASH = re.compile(r"^crash-\d{8}-\d{6}-\d{6}\.txt$")

# Until setup() runs, the app's lines go nowhere rather than to stderr: see the package's __init__.


def get_logger(name: str) -> logging.Logger:
    """A logger in the app's hierarchy; before setup() its lines go nowhere, never as a traceback on stderr."""
    return logging.getLogger(name)


def log_dir() -> Path:
    override = os.environ.get(DIR_ENV)
    return Path(override) if override else Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def crash_dir() -> Path:
    return log_dir() / CRASH_DIR


def app_frames(tb: TracebackType | None, limit: int = 10) -> list[str]:
    """`mentor_app/x.py:12 in name` for the app's own frames: no folder above the app, so no user or profile name."""
    frames = []
    for f in traceback.extract_tb(tb):
        where = _app_relative(f.filename)
        if where is not None:
            frames.append(f"{where}:{f.lineno} in {f.name}")
    return frames[-limit:]


def _app_relative(filename: str) -> str | None:
    try:
        inside = Path(os.path.realpath(filename)).relative_to(_PACKAGE)
    except ValueError:
        # Bundled builds may record frames relative to the bundle rather than as absolute paths.
        path = Path(filename)
        return path.as_posix() if not path.is_absolute() and path.parts[:1] == (LOGGER,) else None
    return (Path(LOGGER) / inside).as_posix()


def _safe_arg(value: object) -> object:
    # Numbers and record ids say nothing about a person; any other text might be their words.
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str) and _RECORD_ID.match(value):
        return value
    return HIDDEN


class RedactingFilter(logging.Filter):
    """Reduce a log record to its fixed wording, safe arguments, and the kind and place of any error."""

    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.msg if isinstance(record.msg, str) else f"[{type(record.msg).__name__}]"
        args = record.args
        if args:
            safe: dict[str, object] | tuple[object, ...]
            if isinstance(args, dict):
                safe = {k: _safe_arg(v) for k, v in args.items()}
            else:
                safe = tuple(_safe_arg(v) for v in args)
            try:
                msg = msg % safe
            except (TypeError, ValueError, KeyError):
                pass  # a template that needs the hidden values keeps its placeholders instead
        if record.exc_info and record.exc_info[0] is not None:
            exc_type, _exc, tb = record.exc_info
            where = "; ".join(app_frames(tb)) or "outside the app"
            msg = f"{msg} [{exc_type.__name__} at {where}]"
        record.msg, record.args = msg, ()
        record.exc_info = record.exc_text = record.stack_info = None
        return True


class _PrivateDailyFile(TimedRotatingFileHandler):
    """Each day's file is readable by this user only, whatever the umask of the process."""

    def _open(self) -> TextIOWrapper:
        # A text mode ("a"), so open gives a TextIOWrapper; the checker only knows that for a literal mode.
        stream = cast(
            TextIOWrapper,
            open(
                self.baseFilename,
                self.mode,
                encoding=self.encoding,  # noqa: SIM115
                errors=self.errors,
                opener=lambda path, flags: os.open(path, flags, 0o600),
            ),
        )
        if os.name == "posix":
            os.chmod(self.baseFilename, 0o600)
        return stream


def _our_handler(logger: logging.Logger) -> _PrivateDailyFile | None:
    return next((h for h in logger.handlers if isinstance(h, _PrivateDailyFile)), None)


def setup(kind: str) -> Path:
    """Send the app's log lines to `<log dir>/<kind>.log`, a new file each day, the last KEEP_DAYS days kept.

    Calling again with the same kind and folder changes nothing; a new kind (the command line starting the
    desktop app) or folder moves the lines there. If the folder can't be written, the app runs without a log.
    """
    if not _KIND.match(kind):
        raise ValueError("a log kind is a short lowercase word")
    folder = log_dir()
    path = folder / f"{kind}.log"
    logger = logging.getLogger(LOGGER)
    logger.setLevel(logging.INFO)
    # The root logger may print to stderr (a terminal, a script's output); these lines stay in the file.
    logger.propagate = False
    current = _our_handler(logger)
    if current is not None:
        if Path(current.baseFilename) == path.absolute():
            return path
        stop()
    try:
        make_private_dir(folder)
        remove_old_logs(folder)
        handler = _PrivateDailyFile(path, when="midnight", backupCount=KEEP_DAYS, encoding="utf-8")
    except OSError:
        return path
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    logger.addHandler(handler)
    return path


def stop() -> None:
    """Close the log file (the app's lines go nowhere until setup() runs again)."""
    logger = logging.getLogger(LOGGER)
    handler = _our_handler(logger)
    if handler is not None:
        logger.removeHandler(handler)
        handler.close()


def remove_old_logs(folder: Path, today: date | None = None) -> list[Path]:
    """Delete each day's file once it is older than KEEP_DAYS, even if the app hasn't run to rotate it since."""
    cutoff = (today or clock.today()) - timedelta(days=KEEP_DAYS)
    removed = []
    for p in folder.iterdir() if folder.is_dir() else ():
        m = _DATED.match(p.name)
        if not m:
            continue
        try:
            day = date.fromisoformat(m.group("day"))
        except ValueError:
            continue
        if day < cutoff:
            p.unlink(missing_ok=True)
            removed.append(p)
    return removed


def write_crash_report(report: str, now: datetime | None = None) -> Path:
    """Save a crash report privately, named by its time alone, keeping the newest KEEP_CRASHES."""
    folder = crash_dir()
    make_private_dir(folder)
    stamp = (now or clock.local_now()).strftime("%Y%m%d-%H%M%S-%f")
    path = folder / f"crash-{stamp}.txt"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(report if report.endswith("\n") else report + "\n")
    reports = sorted(p for p in folder.iterdir() if _CRASH.match(p.name))
    for old in reports[:-KEEP_CRASHES]:
        old.unlink(missing_ok=True)
    return path
