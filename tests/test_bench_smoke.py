"""The benchmark code runs (at the smallest scale); its figures are never judged here."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # the benchmark script end to end, in a child process

BENCH = Path(__file__).resolve().parent.parent / "bench" / "run.py"


def test_benchmark_runs_at_smoke_scale_and_writes_its_results(tmp_path, no_keyring):
    out = subprocess.run(
        [sys.executable, str(BENCH), "--scale", "smoke", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    [result] = list(tmp_path.glob("*-smoke.json"))
    data = json.loads(result.read_text())
    for measure in (
        "start to first window drawn (mentor profile)",
        "global search",
        "save one meeting",
        "supervisor import",
        "re-import of the same folder",
        "export of 1,000 changed records",
        "UI stall (mentor window)",
        "UI stall (supervisor window)",
        "dashboard load (all tabs' reads)",
    ):
        assert measure in data["results"], measure
    assert "| global search |" in (tmp_path / result.name.replace(".json", ".md")).read_text()
