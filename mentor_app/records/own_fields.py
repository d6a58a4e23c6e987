"""The organisation's own questions: what a supervisor adds to a person's record or a meeting, how the
answers are checked, and where the questions are kept.

A supervisor defines them in its profile; they travel to mentors' apps with the signed directory
publication. A question taken away later is kept, marked retired: it is no longer asked, and the answers
given to it stay readable (on a person's page, in dumps and in subject access copies). Answers are kept
in each record's `own` field, by the question's key, which is never reused.
"""

from __future__ import annotations

import json
import math
import secrets
from dataclasses import asdict, dataclass, replace
from datetime import date
from typing import Any

from ..errors import BadInput
from ..setting_keys import OWN_FIELDS
from ..storage.db import Connection, get_setting, put_settings

OWN = "own"  # the record field that holds the answers, by question key
KINDS = {"text": "Text", "number": "A number", "date": "A date", "yes_no": "Yes or no", "choice": "One of a list"}
COUNTABLE = ("number", "yes_no", "choice")  # what the funder report can count (text and dates it can't)
RECORD_TYPES = {"mentee": "A person's details", "meeting": "A meeting"}
MAX_QUESTIONS = 40
MAX_CHOICES = 30
MAX_LABEL = 120
MAX_ANSWER = 2000  # characters of a text answer
MAX_NUMBER = 1_000_000_000
KEY_PREFIX = "q_"


@dataclass(frozen=True)
class OwnField:
    key: str
    label: str
    kind: str
    record_type: str
    choices: tuple[str, ...] = ()
    counted: bool = False  # the funder report counts it (and it is shared as a count without consent)
    retired: bool = False

    @property
    def counts(self) -> bool:
        return self.counted and self.kind in COUNTABLE


def _one(raw: Any) -> OwnField | None:
    """A question as stored or published, or None when it isn't one (from a hostile or older file)."""
    if not isinstance(raw, dict):
        return None
    try:
        choices = tuple(str(c)[:MAX_LABEL] for c in raw.get("choices") or ())[:MAX_CHOICES]
        field = OwnField(
            key=str(raw["key"]),
            label=" ".join(str(raw["label"]).split())[:MAX_LABEL],
            kind=str(raw["kind"]),
            record_type=str(raw["record_type"]),
            choices=choices,
            counted=raw.get("counted") is True,
            retired=raw.get("retired") is True,
        )
    except (KeyError, TypeError):
        return None
    if (
        not field.key.startswith(KEY_PREFIX)
        or len(field.key) > 40
        or not field.label
        or field.kind not in KINDS
        or field.record_type not in RECORD_TYPES
        or (field.kind == "choice") != bool(field.choices)
    ):
        return None
    return field


def from_published(raw: Any) -> list[OwnField]:
    """The questions in a publication (or the settings), leaving out anything that isn't one."""
    if not isinstance(raw, list):
        return []
    found = [f for f in (_one(r) for r in raw[: 4 * MAX_QUESTIONS]) if f is not None]
    return list({f.key: f for f in found}.values())


def to_published(fields: list[OwnField]) -> list[dict[str, Any]]:
    return [{**asdict(f), "choices": list(f.choices)} for f in fields]


def load(conn: Connection) -> list[OwnField]:
    stored = get_setting(conn, OWN_FIELDS)
    try:
        return from_published(json.loads(stored)) if stored else []
    except ValueError:
        return []


def store_all(conn: Connection, fields: list[OwnField]) -> None:
    """Keep these questions (inside the caller's transaction, if any)."""
    put_settings(conn, {OWN_FIELDS: json.dumps(to_published(fields))})


def asked(fields: list[OwnField], record_type: str) -> list[OwnField]:
    """The questions a form of this record type asks now, in the order they were added."""
    return [f for f in fields if f.record_type == record_type and not f.retired]


def define(
    conn: Connection,
    label: str,
    kind: str,
    record_type: str,
    choices: list[str] | tuple[str, ...] = (),
    counted: bool = False,
) -> OwnField:
    """Add a question (a supervisor's); BadInput says what to put right."""
    label = " ".join(label.split())
    choices = tuple(dict.fromkeys(" ".join(c.split()) for c in choices if c.strip()))
    existing = load(conn)
    if not label:
        raise BadInput("Give the question a name, as the mentor will read it on the form.")
    if len(label) > MAX_LABEL:
        raise BadInput(f"Keep the question to {MAX_LABEL} characters.")
    if kind not in KINDS or record_type not in RECORD_TYPES:
        raise BadInput("Choose what kind of answer it takes and where it is asked.")
    if kind == "choice" and len(choices) < 2:
        raise BadInput("A question answered from a list needs at least two choices, one per line.")
    if kind != "choice" and choices:
        choices = ()
    if len(choices) > MAX_CHOICES or any(len(c) > MAX_LABEL for c in choices):
        raise BadInput(f"Give at most {MAX_CHOICES} choices, each up to {MAX_LABEL} characters.")
    if sum(not f.retired for f in existing) >= MAX_QUESTIONS:
        raise BadInput(f"There are already {MAX_QUESTIONS} questions. Take one away first.")
    if any(f.label.casefold() == label.casefold() and f.record_type == record_type and not f.retired for f in existing):
        raise BadInput("There is already a question with that name there.")
    field = OwnField(
        KEY_PREFIX + secrets.token_hex(6), label, kind, record_type, choices, counted and kind in COUNTABLE
    )
    store_all(conn, [*existing, field])
    return field


def retire(conn: Connection, key: str) -> None:
    """Stop asking a question; its answers stay readable."""
    store_all(conn, [replace(f, retired=True) if f.key == key else f for f in load(conn)])


def check_answer(field: OwnField, value: Any) -> Any:
    """An answer as it is kept ("" / None when not answered), or BadInput naming the question."""
    if value in ("", None):
        return ""
    label = field.label
    if field.kind == "number":
        try:
            number = float(str(value).strip().replace(",", ""))
        except ValueError:
            raise BadInput(f"{label}: please enter a number.") from None
        if not math.isfinite(number) or abs(number) > MAX_NUMBER:
            raise BadInput(f"{label}: that number is too large.")
        return int(number) if number.is_integer() else number
    if field.kind == "yes_no":
        if isinstance(value, bool):
            return value
        raise BadInput(f"{label}: should be yes or no.")
    text = " ".join(str(value).split()) if field.kind != "text" else str(value).strip()
    if field.kind == "date":
        try:
            date.fromisoformat(text)
        except ValueError:
            raise BadInput(f"{label}: please give a date.") from None
    if field.kind == "choice" and text not in field.choices:
        raise BadInput(f"{label}: please choose from the list.")
    if len(text) > MAX_ANSWER:
        raise BadInput(f"{label}: that is too long (at most {MAX_ANSWER} characters).")
    return text


def labelled(fields: list[OwnField], answers: dict[str, Any]) -> list[tuple[str, Any]]:
    """(question, answer) for each answer given, retired questions included, in the order of the questions."""
    known = {f.key: f for f in fields}
    out = [(known[k].label, v) for k, v in answers.items() if k in known and v not in ("", None)]
    out += [("A question no longer asked", v) for k, v in answers.items() if k not in known and v not in ("", None)]
    return out
