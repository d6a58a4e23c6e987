"""The person's fields for matching and monitoring: how a PNC ID, a prison number and a postcode district
are written and checked, and the age band worked out from a date of birth.

The forms people meet these in vary (spaces, lower case, a whole postcode where only its first half is
wanted), so each is tidied to one written form before it is checked; what can't be tidied is refused
with words that say what to write instead.
"""

from __future__ import annotations

import re
from datetime import date

from ..errors import BadInput
from . import vocab

# PNC IDs are a year (two or four digits), a slash, a serial number and a check letter: 2001/0123456X.
_PNC_ID = re.compile(r"([0-9]{2}|[0-9]{4})/([0-9]{1,7})([A-Z])")
# Prison numbers: a letter, four digits and two letters: A1234BC.
_PRISON_NUMBER = re.compile(r"[A-Z][0-9]{4}[A-Z]{2}")
# The outward code, the part of a postcode before the space: M1, M14, SW1A, B33, DN55.
_OUTWARD = re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]?")
_INWARD = re.compile(r"[0-9][A-Z]{2}")

_BANDS = (
    (18, vocab.AgeBand.UNDER_18),
    (25, vocab.AgeBand.FROM_18),
    (35, vocab.AgeBand.FROM_25),
    (45, vocab.AgeBand.FROM_35),
    (55, vocab.AgeBand.FROM_45),
    (65, vocab.AgeBand.FROM_55),
)


def _squeezed(value: str) -> str:
    return "".join(value.split()).upper()


def pnc_id(value: str) -> str:
    """A PNC ID in its usual written form (year/serial and letter), or BadInput."""
    if not value:
        return ""
    match = _PNC_ID.fullmatch(_squeezed(value))
    if not match:
        raise BadInput(
            "PNC ID: write it as the police give it, a year, a slash, a number and a letter, like 01/123456X."
        )
    year, serial, letter = match.groups()
    return f"{year}/{serial}{letter}"


def prison_number(value: str) -> str:
    """A prison number (a letter, four digits, two letters: A1234BC), or BadInput."""
    if not value:
        return ""
    tidy = _squeezed(value)
    if not _PRISON_NUMBER.fullmatch(tidy):
        raise BadInput("Prison number: write it as a letter, four digits and two letters, like A1234BC.")
    return tidy


def postcode_district(value: str) -> str:
    """Only the first half of a postcode (M14, SW1A), or BadInput; a whole postcode is refused, saying which
    half to keep, so no one's full address is kept in this field."""
    if not value:
        return ""
    halves = value.split()
    if len(halves) == 2 and _OUTWARD.fullmatch(halves[0].upper()) and not _INWARD.fullmatch(halves[1].upper()):
        return halves[0].upper()  # "M1 4": a postcode sector; its district is the part before the space
    tidy = _squeezed(value)
    if _OUTWARD.fullmatch(tidy):
        return tidy
    if len(tidy) > 3 and _OUTWARD.fullmatch(tidy[:-3]) and _INWARD.fullmatch(tidy[-3:]):
        raise BadInput(
            f"Postcode district: give only the first half of the postcode ({tidy[:-3]}), not the whole postcode."
        )
    raise BadInput("Postcode district: give the first half of a postcode, like M14 or SW1A.")


def age_band(date_of_birth: str, on: date) -> vocab.AgeBand:
    """The person's age band on the day `on`; NOT_KNOWN without a date of birth."""
    try:
        born = date.fromisoformat(date_of_birth)
    except (TypeError, ValueError):
        return vocab.AgeBand.NOT_KNOWN
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    return next((band for below, band in _BANDS if age < below), vocab.AgeBand.FROM_65)


def age_band_when_referred(fields: dict[str, object], today: date) -> vocab.AgeBand:
    """The band a person is counted in: their age on the day they were referred (without a referral date,
    the day mentoring started; without either, `today`). `fields` are a mentee's, as stored or shared."""
    on = today
    for name in ("referral_date", "mentoring_started"):
        try:
            on = date.fromisoformat(str(fields.get(name) or ""))
            break
        except ValueError:
            continue
    return age_band(str(fields.get("date_of_birth") or ""), on)


# The equality monitoring questions asked of every person, as Mentee fields; the age band is worked out.
MONITORING_FIELDS = ("gender", "ethnicity", "disability", "postcode_district")
AGE_BAND = "age_band"
NOT_RECOGNISED = "not_recognised"  # counted, never shown as it came: see monitoring_answers
_CHOICES = (("gender", vocab.GENDERS), ("ethnicity", vocab.ETHNICITIES), ("disability", vocab.DISABILITY))


def monitoring_answers(fields: dict[str, object], today: date, *, age_band_given: str | None = None) -> dict[str, str]:
    """One person's answers to each monitoring question ("" where they were not asked), and their age band:
    `age_band_given` where it came worked out (an identity-free copy), else from the date of birth."""
    answers = {name: str(fields.get(name) or "") for name in MONITORING_FIELDS}
    answers[AGE_BAND] = age_band_given or age_band_when_referred(fields, today).value
    # What came from elsewhere is counted only as one of the answers the questions have: anything else
    # (a hostile or damaged copy) is counted as not recognised, and never printed as it came.
    for name, known in (*_CHOICES, (AGE_BAND, vocab.AGE_BANDS)):
        if answers[name] and answers[name] not in known:
            answers[name] = NOT_RECOGNISED
    try:
        if postcode_district(answers["postcode_district"]) != answers["postcode_district"]:
            answers["postcode_district"] = NOT_RECOGNISED
    except BadInput:
        answers["postcode_district"] = NOT_RECOGNISED
    return answers
