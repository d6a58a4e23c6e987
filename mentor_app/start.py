"""The `mentor-app` command's entry point: the desktop app at once when that is all that was asked
(`mentor-app` or `mentor-app --profile DIR`), every other command through the command line (cli.py).

Going straight to the window skips reading the modules of every command, a noticeable part of the
desktop app's start.
"""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path


def desktop_only(argv: list[str]) -> tuple[bool, str | None]:
    """Whether `argv` asks for nothing but the desktop app, and the profile folder it names (None: the
    usual one). Anything else, help and mistakes included, is for the full command line."""
    if not argv:
        return True, None
    if len(argv) == 2 and argv[0] == "--profile" and argv[1] and not argv[1].startswith("-"):
        return True, argv[1]
    return False, None


def main(argv: list[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else list(argv)
    only, folder = desktop_only(words)
    if not only:
        from .cli import main as command_line  # imported here: see the module's docstring

        return command_line(words)
    gc.disable()  # off from the first import on; once the app runs, the UI thread collects (ui/collector.py)
    os.umask(0o077)  # everything the app creates is private to this user
    # imported here: see the module's docstring
    from .paths import default_profile_dir
    from .ui.app import run_app

    return run_app(Path(folder) if folder else default_profile_dir())


if __name__ == "__main__":
    sys.exit(main())
