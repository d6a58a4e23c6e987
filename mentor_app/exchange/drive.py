"""Reading the shared folder as the hostile place it is: bounded reads, no links out, any file name.

Every reader of the shared drive (batches, receipts, publications, enrolment
and hand-over files) goes through here, so no file there can make the app read
gigabytes, follow a link to somewhere else, or fall over on a name written in
another code page.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

# The bounded read of a whole file is in storage, as attachments read a person's file with it too;
# every reader of the drive takes it from here.
from ..storage.files import TooLarge as TooLarge
from ..storage.files import read_limited as read_limited


@dataclass(frozen=True)
class Entry:
    """A regular file found in a folder of the shared drive, with what was seen of it without reading it."""

    path: Path
    size: int
    mtime_ns: int

    @property
    def name(self) -> str:
        return shown_name(self.path.name)

    @property
    def seen(self) -> str:
        """Name, size and modification time: enough to skip a file already judged without reading it again."""
        return f"{self.name}\x00{self.size}\x00{self.mtime_ns}"


def shown_name(name: str | bytes) -> str:
    """A file name as text that can always be shown, stored and logged: undecodable bytes are escaped."""
    raw = name if isinstance(name, bytes) else os.fsencode(name)
    return raw.decode("utf-8", "backslashreplace")


def _inside(path: Path, root: Path) -> bool:
    try:
        Path(os.path.realpath(path)).relative_to(os.path.realpath(root))
        return True
    except ValueError:
        return False


def entries(folder: Path, root: Path | None = None, suffix: str = "", dirs: bool = False) -> list[Entry]:
    """The regular files (or folders) in `folder`, sorted by name; links that lead out of `root` are left out.

    Names starting with "." are temporary files and probes, never content. Nothing is opened.
    """
    root = Path(root or folder)
    found = []
    try:
        with os.scandir(folder) as it:
            items = list(it)
    except OSError:
        return []
    for item in items:
        name = item.name
        if name.startswith(".") or (suffix and not name.endswith(suffix)):
            continue
        path = Path(folder) / name
        try:
            if item.is_symlink() and not _inside(path, root):
                continue  # a link out of the shared folder is never followed
            info = os.stat(path)
        except (OSError, ValueError):
            continue
        wanted = stat.S_ISDIR(info.st_mode) if dirs else stat.S_ISREG(info.st_mode)
        if wanted:
            found.append(Entry(path, info.st_size, info.st_mtime_ns))
    return sorted(found, key=lambda e: os.fsencode(e.path.name))


def read_head(path: Path, size: int) -> bytes:
    """At most the first `size` bytes of a regular file (never follows a link)."""
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, flags)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"not a regular file: {shown_name(Path(path).name)}")
        chunks, total = [], 0
        while total < size:
            chunk = os.read(fd, size - total)
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)
