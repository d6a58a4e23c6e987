"""Where profiles live by default."""

from __future__ import annotations

from pathlib import Path

import platformdirs

from . import APP_NAME


def default_profile_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "profile"


def default_demo_dir() -> Path:
    """Demo profiles never share a folder with real records."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "demo-profile"
