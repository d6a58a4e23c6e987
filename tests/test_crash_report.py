"""An unexpected error shows where it happened, never what the records say."""

from __future__ import annotations

import sys

from mentor_app.ui.crash import redacted_report


def test_the_report_names_the_place_and_kind_but_not_the_content():
    secret = "Marker Person 07700 900123"
    try:
        from mentor_app.records.types import Mentee, validate

        validate(Mentee(name=secret, date_of_birth=f"not a date {secret}"))
    except Exception:
        report = redacted_report(*sys.exc_info())
    assert "BadInput" in report and "types.py" in report
    assert secret not in report and "07700" not in report
