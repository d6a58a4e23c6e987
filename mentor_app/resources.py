"""Finding the files in `resources/` from a source checkout or an installed bundle."""

from __future__ import annotations

import sys
from pathlib import Path


def resource_path(*parts: str) -> Path:
    """The path of a shipped resource (fonts, the default directory, icons)."""
    roots = []
    bundle = getattr(sys, "_MEIPASS", None)  # a PyInstaller bundle keeps them beside the app
    if bundle:
        roots.append(Path(bundle) / "resources")
    roots.append(Path(__file__).resolve().parent.parent / "resources")
    for root in roots:
        candidate = root.joinpath(*parts)
        if candidate.exists():
            return candidate
    raise FileNotFoundError("/".join(parts))
