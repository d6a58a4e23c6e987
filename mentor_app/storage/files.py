"""Private folders and crash-safe file replacement for the profile; outputs created new, never through a link;
files from elsewhere read with a limit, never through a link."""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from ..errors import BadInput


def make_private_dir(path: Path) -> None:
    """Create `path` (and parents) readable by the current user only."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if os.name == "posix":
        os.chmod(path, 0o700)


def fsync_dir(path: Path) -> None:
    """Make a rename inside `path` durable (a no-op where directories can't be opened)."""
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, data: bytes, shared: bool = False) -> None:
    """Replace `path` with `data` so a crash leaves either the old or the new file.

    `shared`: a file for the shared folder, readable by the organisation's other accounts (0644). The
    temporary name starts with "." so no reader of the drive ever takes it for a whole file.
    """
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            if shared:
                make_shared_readable(fh)
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    fsync_dir(path.parent)


def fsync_file(path: Path) -> None:
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())


def _refuse_existing(path: Path) -> BadInput:
    return BadInput(f"There is already a file or link at {path}; nothing was overwritten. Choose a new name.")


def create_new(path: Path, mode: int = 0o600) -> BinaryIO:
    """Open `path` for writing as a brand-new file: never an existing file, never through a link.

    O_CREAT|O_EXCL|O_NOFOLLOW: a file, folder or symbolic link already at the
    path (even a link to nowhere) is refused with a plain message, and the
    folder it is in is left exactly as it was (its permissions included).
    """
    path = Path(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags, mode)
    except FileExistsError:
        raise _refuse_existing(path) from None
    except OSError as exc:
        if os.path.lexists(path):
            raise _refuse_existing(path) from None
        if not path.parent.is_dir():
            raise BadInput(f"The folder {path.parent} does not exist.") from None
        raise BadInput(f"Couldn't create {path}: {exc.strerror or 'the folder refused it'}.") from None
    return os.fdopen(fd, "wb")


def refuse_existing(path: Path) -> Path:
    """Early, friendly check before slow work; create_new is what really guarantees it."""
    path = Path(path)
    if os.path.lexists(path):
        raise _refuse_existing(path)
    if not path.parent.is_dir():
        raise BadInput(f"The folder {path.parent} does not exist.")
    return path


def _fill_new(path: Path, mode: int, fill: Callable[[BinaryIO], object]) -> Path:
    """Create a brand-new file (see create_new), let `fill` write it, make it durable; no half file is left."""
    path = Path(path)
    fh = create_new(path, mode)
    try:
        with fh:
            fill(fh)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        try:
            os.unlink(path)
        except OSError:
            pass
        raise
    return path


def write_new(path: Path, data: bytes, mode: int = 0o600) -> Path:
    """Write `data` to a brand-new file (see create_new); a failed write leaves no half file behind."""
    return _fill_new(path, mode, lambda fh: fh.write(data))


def copy_new(source: Path, path: Path, mode: int = 0o600) -> Path:
    """Copy `source` to a brand-new file at `path` (see create_new), durably."""

    def fill(fh: BinaryIO) -> None:
        with open(source, "rb") as src:
            shutil.copyfileobj(src, fh, 1024 * 1024)

    return _fill_new(path, mode, fill)


SHARED_FILE_MODE = 0o644


def make_shared_readable(fh: BinaryIO) -> None:
    """A file for the shared folder (encrypted or signed): readable by the organisation's other accounts.

    Set on the open file, whatever the umask; a share that has no POSIX modes is left as it is.
    """
    if os.name != "posix":
        return
    try:
        os.fchmod(fh.fileno(), SHARED_FILE_MODE)
    except OSError:
        pass


def remove_chosen(path: Path) -> None:
    """A save dialog already asked before replacing `path`: remove the file or link there
    (a link itself, never what it points to), so the new file is created fresh."""
    path = Path(path)
    if path.is_symlink() or path.is_file():
        path.unlink()


class TooLarge(Exception):
    """The file is bigger than anything the app takes of its kind."""


def read_limited(path: Path, limit: int) -> bytes:
    """The whole file, read only if it is at most `limit` bytes (checked before reading, and while reading)."""
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError("not a regular file")
        if info.st_size > limit:
            raise TooLarge()
        # One read into one buffer of the size the file has: reading in pieces and joining them held
        # every file twice, 200 MB for a batch just under its limit.
        first = os.read(fd, info.st_size + 1)
        chunks, total = [first], len(first)
        while total <= limit and first:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > limit:  # it grew while being read
            raise TooLarge()
        return first if len(chunks) == 1 else b"".join(chunks)
    finally:
        os.close(fd)
