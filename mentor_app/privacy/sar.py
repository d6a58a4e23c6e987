"""Subject access: everything a profile holds about one person, as a readable PDF and as JSON, with each of
their attachments (a scanned form, a photo) copied as it is into a file of its own beside them.

Other people's names (the profile's other mentees) are replaced by "[another person]" wherever a
record mentions them, and the mentor or supervisor reads it through before sharing it.
"""

from __future__ import annotations

import io
import json
import os
import re
from dataclasses import fields as dc_fields
from pathlib import Path
from typing import Any

from .. import clock
from ..errors import BadInput
from ..i18n import ENGLISH, N_, Words, words_in
from ..records import attachments, own_fields, store, vocab
from ..records.dates import listed_datetime, local_time, shown_date
from ..records.own_fields import OWN
from ..records.types import RECORD_TYPES, fields_of
from ..settings import load_settings
from ..storage import audit
from ..storage.files import write_new
from ..words import file_size
from .audit_words import AuditWords

FORMAT = "mentor-app-subject-access"
# The copy's words are in the person's language (their record's `language`; English when it is empty), in the
# PDF and in the JSON's sentences alike; the JSON's keys and codes stay the same whatever the language.
REDACTED = N_("[another person]")
REVIEW_NOTE = N_(
    "Prepared for review before it is shared. Names of other people the profile holds are replaced by "
    "{redacted}. Check the notes for anyone else who could be recognised, and for anything that must "
    "be withheld (for example because sharing it could put someone at risk), before handing it over."
)
ATTACHMENTS_NOTE = N_(
    "Each attachment is copied as it was attached, in a file of its own beside this copy (named below). "
    "Names in a picture or a scanned page can't be replaced: look at each one before handing it over."
)
NOTHING_ELSE = N_("Nothing else is held about this person in this profile.")
NOT_SHARED = N_(
    "Mentors also share identity-free counts (under a code, not a name) for people who have "
    "not agreed to share their records; those cannot be linked to a person here, so they "
    "are not in this copy. Attachments (scanned forms, photos) stay on the mentor's laptop and are never "
    "shared, so none are held here."
)
# Who does an action: a line anyone may write, but these two are the app's own words.
OWNERS = {"mentee": N_("mentee"), "mentor": N_("mentor")}
ORDER = ["consent", "needs_check", "goal", "action", "meeting", "referral", "risk_assessment", "concern"]


def _name_pattern(names: list[str]) -> re.Pattern | None:
    """Whole names first, then each part of a name of three letters or more, as whole words."""
    found: set[str] = set()
    for name in names:
        found.add(name.strip())
        found.update(p for p in re.split(r"[\s,()]+", name) if len(p) >= 3)
    parts = sorted((p for p in found if p), key=len, reverse=True)
    if not parts:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(p) for p in parts) + r")(?!\w)", re.IGNORECASE)


class _Redactor:
    def __init__(self, others: list[str], own: str, replacement: str = REDACTED):
        own_parts = {p.casefold() for p in re.split(r"[\s,()]+", own) if p}
        # A part the person shares with someone else (a common first name) stays: it names them too.
        kept = [n for n in others if n.strip()]
        self.pattern = _name_pattern(kept)
        self.own_parts = own_parts
        self.replacement = replacement
        self.count = 0

    def __call__(self, value):
        if isinstance(value, str) and self.pattern is not None:

            def swap(match):
                if match.group(0).casefold() in self.own_parts:
                    return match.group(0)
                self.count += 1
                return self.replacement

            return self.pattern.sub(swap, value)
        if isinstance(value, list):
            return [self(v) for v in value]
        if isinstance(value, dict):
            return {k: self(v) for k, v in value.items()}
        return value


def _audit_rows(conn, role: str, mentee_id: str, language: str) -> list[dict]:
    """Each entry with its ids (for whoever checks the trail) and in words (for the person reading)."""
    words = AuditWords(conn, role, language)
    return [
        {
            "at": e.at,
            "action": e.action,
            "what": words.what(e),
            "record_type": e.record_type,
            "record_id": e.record_id,
            "detail": e.detail if e.action not in ("erase",) else "",
            "when_in_words": words.when(e),
            "record_in_words": words.record(e),
        }
        for e in reversed(audit.entries(conn, mentee_id=mentee_id))
    ]


def _language(chosen: str | None, fields: dict) -> str:
    """The language asked for, else the person's own (English when it is empty or one the app has no words for)."""
    language = chosen or fields.get("language") or ENGLISH
    return language if language in vocab.SHEET_LANGUAGES else ENGLISH


def _mentor_copy(profile, mentee_id: str, language: str | None) -> dict:
    conn = profile.conn
    person = store.get(conn, mentee_id)
    if person is None or person.type != "mentee":
        raise BadInput("There is no mentee with that id in this profile.", hint="mentees")
    person_fields = {f.name: getattr(person.record, f.name) for f in dc_fields(person.record)}
    language = _language(language, person_fields)
    w = words_in(language)
    others = [
        n
        for s in store.list_records(conn, "mentee")
        if s.id != mentee_id
        for n in (s.record.name, s.record.preferred_name)
        if n
    ]
    redact = _Redactor(others, person.record.name, w(REDACTED))
    records = []
    for s in store.list_records(conn, mentee_id=mentee_id, newest_first=False):
        records.append(
            {
                "id": s.id,
                "type": s.type,
                "what": w(RECORD_TYPES[s.type].label),
                "when": s.sort_at,
                "created_at": s.created_at,
                "updated_at": s.updated_at,
                "version": s.version,
                "fields": redact({f.name: getattr(s.record, f.name) for f in dc_fields(s.record)}),
            }
        )
    consent = [r for r in records if r["type"] == "consent"]
    files = [
        {
            "id": a.id,
            "name": redact(a.name),
            "kind": a.kind,
            "what": w(vocab.ATTACHMENT_KINDS[a.kind]) if a.kind in vocab.ATTACHMENT_KINDS else a.kind,
            "size": a.size,
            "sha256": a.sha256,
            "attached_at": a.added_at,
            "attached_to": {
                "id": a.record_id,
                "type": a.record_type,
                "what": attachments.belongs_to(conn, a, language),
            },
            "suffix": a.suffix,
        }
        for a in attachments.list_for(conn, mentee_id)
    ]
    return {
        "language": language,
        "person": {
            "id": mentee_id,
            "created_at": person.created_at,
            "updated_at": person.updated_at,
            "fields": person_fields,
        },
        "records": [r for r in records if r["type"] != "consent"],
        "consent_history": consent,
        "attachments": files,
        "redactions": redact.count,
        "not_included": w(NOTHING_ELSE),
    }


def _title(fields: dict) -> str:
    """The name as a concern carries it (see Mentee.title)."""
    name, preferred = fields.get("name", ""), fields.get("preferred_name", "")
    return f"{name} ({preferred})" if preferred and preferred != name else name


def _supervisor_copy(profile, mentee_id: str, language: str | None) -> dict:
    conn = profile.conn
    rows = conn.execute(
        "SELECT id, type, version, basis, fields, updated_at FROM shared_records WHERE mentee_id = ? "
        "AND current = 1 AND deleted = 0 ORDER BY type, updated_at",
        (mentee_id,),
    ).fetchall()
    if not rows:
        raise BadInput("No records shared by consent or for safeguarding are held about that id here.")
    person_fields: dict[str, Any] = next((json.loads(f) for _, t, _, _, f, _ in rows if t == "mentee"), {})
    language = _language(language, person_fields)
    w = words_in(language)
    own = {
        n.strip().casefold()
        for n in (person_fields.get("name", ""), person_fields.get("preferred_name", ""), _title(person_fields))
        if n and n.strip()
    }
    others = []
    # Every name held here: other people's records (any version), and the names concerns carry, which may
    # be the only place someone is named (a person with no consent to share, or whose records were withdrawn).
    for rtype, about, f in conn.execute(
        "SELECT type, coalesce(mentee_id, ''), fields FROM shared_records WHERE type IN ('mentee', 'concern')"
    ):
        try:
            values = json.loads(f or "{}")
        except ValueError:
            continue
        if not isinstance(values, dict):
            continue
        if rtype == "mentee" and about != mentee_id:
            others += [values.get("name", ""), values.get("preferred_name", "")]
        elif rtype == "concern" and about != mentee_id:
            others.append(values.get("mentee_name", ""))
    others = [n for n in others if isinstance(n, str) and n.strip() and n.strip().casefold() not in own]
    redact = _Redactor(others, person_fields.get("name", ""), w(REDACTED))
    records = [
        {
            "id": rid,
            "type": rtype,
            "what": w(RECORD_TYPES[rtype].label) if rtype in RECORD_TYPES else rtype,
            "shared_as": basis,
            "updated_at": updated,
            "version": version,
            "fields": redact(json.loads(fields)),
        }
        for rid, rtype, version, basis, fields, updated in rows
        if rtype != "mentee"
    ]
    notes = [
        {"record_id": rid, "at": at, "note": redact(action)}
        for rid, at, action in conn.execute(
            "SELECT record_id, at, action FROM supervisor_notes WHERE record_id = ? OR record_id IN "
            "(SELECT id FROM shared_records WHERE mentee_id = ?) ORDER BY at",
            (mentee_id, mentee_id),
        )
    ]
    return {
        "language": language,
        "person": {"id": mentee_id, "fields": person_fields},
        "records": [r for r in records if r["type"] != "consent"],
        "consent_history": [r for r in records if r["type"] == "consent"],
        "supervisor_notes": notes,
        "attachments": [],
        "redactions": redact.count,
        "not_included": w(NOT_SHARED),
    }


def gather(profile, mentee_id: str, language: str | None = None) -> dict:
    """Everything held about one person, as plain data, its words in `language` (None: the person's own)."""
    copy = (_supervisor_copy if profile.role == "supervisor" else _mentor_copy)(profile, mentee_id, language)
    w = words_in(copy["language"])
    # Answers to the organisation's own questions, by the question's words (retired ones too), not its key.
    questions = own_fields.load(profile.conn)
    for fields in [
        copy["person"]["fields"],
        *(r["fields"] for key in ("records", "consent_history") for r in copy[key]),
    ]:
        if isinstance(fields, dict) and isinstance(fields.get(OWN), dict):
            fields[OWN] = dict(own_fields.labelled(questions, fields[OWN]))
    settings = load_settings(profile)
    produced = clock.stamp()
    # Each attachment's own file, named by its number (its original name is content, kept inside the copy).
    for number, a in enumerate(copy["attachments"], 1):
        a["file"] = f"{_stem(mentee_id, produced)}-attachment-{number}{a.pop('suffix')}"
    return {
        "format": FORMAT,
        # 2: attachments, each in a file of its own beside the copy
        "format_version": 2,
        "produced_at": produced,
        "organisation": settings.organisation or "",
        "held_by": profile.role,
        "review_note": w(REVIEW_NOTE, redacted=w(REDACTED)),
        **copy,
        "audit_trail": _audit_rows(profile.conn, profile.role, mentee_id, copy["language"]),
    }


def _stem(mentee_id: str, produced_at: str) -> str:
    return f"subject-access-{mentee_id[:8]}-{produced_at[:10]}"


def _label(rtype: str, name: str, w: Words) -> str:
    cls = RECORD_TYPES.get(rtype)
    if cls is None:
        return name  # already in words (an attachment's lines)
    for f in fields_of(cls):
        if f.name == name:
            return w(f.metadata["label"]) if "label" in f.metadata else name
    return name.replace("_", " ").capitalize()


def _answer(value, w: Words) -> str:
    return (w("yes") if value else w("no")) if isinstance(value, bool) else str(value)


def _choice(choices: dict | None, value, w: Words) -> str:
    """A code in words: a list's label in the copy's language; a value no list holds as it is."""
    if choices and isinstance(value, str) and value in choices:
        return w(choices[value])
    return str(value)


def _shown(rtype: str, name: str, value, w: Words) -> str:
    cls = RECORD_TYPES.get(rtype)
    choices = None
    if cls is not None:
        choices = next((f.metadata.get("choices") for f in fields_of(cls) if f.name == name), None)
    kind = next((f.metadata.get("kind") for f in fields_of(cls) if f.name == name), None) if cls else None
    if kind in ("date", "datetime") and isinstance(value, str):
        # the person reads "3 Dec 2026, 14:00" ("3 Rhag 2026, 14:00"), not 2026-12-03T14:00
        return listed_datetime(value, w.language)
    if isinstance(value, bool):
        return _answer(value, w)
    if isinstance(value, dict):
        if name == OWN:  # labelled in gather(): the organisation's questions as the person reads them
            return "; ".join(f"{k}: {_answer(v, w)}" for k, v in value.items())
        if name == "scores":
            return ", ".join(f"{_choice(vocab.NEEDS_AREAS, k, w)}: {v}" for k, v in value.items())
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_choice(choices, v, w) for v in value)
    if rtype == "action" and name == "owner" and value in OWNERS:
        return w(OWNERS[value])
    if choices and isinstance(value, int) and str(value) in choices:
        return w(choices[str(value)])
    return _choice(choices, value, w)


def write_pdf(data: dict, target: Path) -> None:
    # imported here: the PDF toolkit is slow to load, and only the PDF copy needs it
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    # imported here too: they load the PDF toolkit
    from ..printing.fonts import FONT, FONT_BOLD, printable
    from ..printing.text import flowables, is_short, markup

    printable("")  # registers the fonts, which draw every script the notes may hold
    language = data.get("language", ENGLISH)
    w = words_in(language)
    body = ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=12.5)
    small = ParagraphStyle("small", parent=body, fontSize=8.5, leading=11, textColor=colors.HexColor("#444444"))
    head = ParagraphStyle(
        "head",
        parent=body,
        fontName=FONT_BOLD,
        fontSize=13,
        leading=17,
        spaceBefore=10,
        spaceAfter=4,
        textColor=colors.HexColor("#1a4f8b"),
    )
    title = ParagraphStyle("title", parent=body, fontName=FONT_BOLD, fontSize=18, leading=23, spaceAfter=6)
    item = ParagraphStyle("item", parent=body, fontName=FONT_BOLD, spaceBefore=6)

    def p(text, style=body):
        return Paragraph(markup(str(text)), style)

    label_width = 45 * mm
    long_label = ParagraphStyle("long-label", parent=small, spaceBefore=2)
    long_value = ParagraphStyle("long-value", parent=body, leftIndent=label_width, spaceAfter=2)

    def table(rows) -> Table:
        table = Table(rows, colWidths=[label_width, None], hAlign="LEFT")
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                    ("TOPPADDING", (0, 0), (-1, -1), 1),
                ]
            )
        )
        return table

    def pairs(rtype, values: dict) -> list:
        shown = []
        for k, v in values.items():
            if v in ("", None, [], {}, False) and not (isinstance(v, bool) and rtype == "consent"):
                continue
            if rtype == "needs_check" and k == "notes" and isinstance(v, dict):
                # Each area's note on its own (each may be as long as any note), not one run-on line.
                shown += [
                    (w("Note: {area}", area=_choice(vocab.NEEDS_AREAS, area, w)), str(note))
                    for area, note in v.items()
                    if str(note).strip()
                ]
            else:
                shown.append((_label(rtype, k, w), _shown(rtype, k, v, w)))
        # Short values sit in a two-column table; a long one (which no table row could hold once it is
        # taller than a page) goes under its label, indented to the same column, and flows across pages.
        out, rows = [], []
        for label, value in shown:
            if is_short(value):
                rows.append([p(label, small), p(value)])
                continue
            if rows:
                out.append(table(rows))
                rows = []
            out += [p(label, long_label), *flowables(value, long_value)]
        if rows:
            out.append(table(rows))
        return out

    person = data["person"]["fields"]
    about = dict(
        organisation=data["organisation"] or w("this organisation"),
        name=person.get("name") or w("this person"),
        date=shown_date(data["produced_at"], language),
        id=data["person"]["id"],
    )
    everything = (
        w("Everything {organisation} holds about {name} in this supervisor's copy of Mentor App, produced "
          "{date}. Person's record id: {id}.", **about)
        if data["held_by"] == "supervisor"
        else w("Everything {organisation} holds about {name} in this mentor's copy of Mentor App, produced "
               "{date}. Person's record id: {id}.", **about)
    )  # fmt: skip
    replaced = w("Names of other people replaced: {n}.", n=data["redactions"])
    story = [
        p(w("Subject access copy"), title),
        p(everything, body),
        Spacer(1, 4),
        p(data["review_note"], small),
        p(f"{replaced} {data['not_included']}", small),
        p(w("About them"), head),
        *pairs("mentee", person),
    ]
    story.append(p(w("Consent history"), head))
    if not data["consent_history"]:
        story.append(p(w("No consent records."), small))
    for r in data["consent_history"]:
        day = shown_date(r["fields"].get("on", ""), language)
        story += [p(f"{day}  {r['what']}", item), *pairs("consent", r["fields"])]
    by_type: dict[str, list] = {}
    for r in data["records"]:
        by_type.setdefault(r["type"], []).append(r)
    for rtype in sorted(by_type, key=lambda t: ORDER.index(t) if t in ORDER else len(ORDER)):
        story.append(p(f"{by_type[rtype][0]['what']} ({len(by_type[rtype])})", head))
        for r in by_type[rtype]:
            when = (
                r.get("when")
                or r["fields"].get("starts_at")
                or r["fields"].get("on")
                or r["fields"].get("raised_at")
                or r.get("created_at")
                or r.get("updated_at")
                or ""
            )
            story += [p(listed_datetime(str(when)[:16], language), item), *pairs(rtype, r["fields"])]
    if data.get("attachments"):
        story += [
            p(w("Attachments ({n})", n=len(data["attachments"])), head),
            p(w(ATTACHMENTS_NOTE), small),
        ]
        for a in data["attachments"]:
            story += [
                p(a["name"], item),
                *pairs(
                    "",
                    {
                        w("What it is"): f"{a['what']}, {file_size(a['size'], language)}",
                        w("Attached"): local_time(a["attached_at"], language),
                        w("Attached to"): a["attached_to"]["what"],
                        w("In the file"): a["file"],
                    },
                ),
            ]
    if data.get("supervisor_notes"):
        story.append(p(w("The supervisor's notes"), head))
        for n in data["supervisor_notes"]:
            story += flowables(f"{local_time(n['at'], language)}  {n['note']}", body)
    story.append(p(w("Who opened, changed, shared or printed their records"), head))
    rows = [[p(w("When"), small), p(w("What"), small), p(w("Record"), small)]]
    rows += [
        [p(e["when_in_words"], small), p(e["what"], small), p(e["record_in_words"], small)] for e in data["audit_trail"]
    ]
    trail = Table(rows, colWidths=[32 * mm, 70 * mm, None], repeatRows=1, hAlign="LEFT")
    trail.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    story.append(trail)

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont(FONT, 7.5)
        words = w("Subject access copy · {id} · page {page}", id=data["person"]["id"], page=doc.page)
        canvas.drawString(doc.leftMargin, 10 * mm, words)
        canvas.restoreState()

    buffer = io.BytesIO()  # laid out in memory, then written to a brand-new file (never through a link)
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=w("Subject access copy"),
        author="Mentor App",
        lang=language,
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    write_new(Path(target), buffer.getvalue())


def write_subject_access(
    profile, mentee_id: str, folder: Path, language: str | None = None
) -> tuple[Path, Path, list[Path]]:
    """The PDF and JSON in `folder`, and beside them each attachment in a file of its own (named in both);
    existing files are never overwritten, and a copy that can't be finished leaves none of its files.
    Their words are in `language`, or the person's own when it is None. Returns the PDF, the JSON and the
    attachments' files."""
    folder = Path(folder)
    if not folder.is_dir():
        raise BadInput(f"The folder {folder} does not exist. Create it first, or choose another.")
    data = gather(profile, mentee_id, language)
    stem = _stem(mentee_id, data["produced_at"])
    pdf, js = folder / f"{stem}.pdf", folder / f"{stem}.json"
    files = [folder / a["file"] for a in data["attachments"]]
    for path in (pdf, js, *files):
        if os.path.lexists(path):
            raise BadInput(
                f"There is already a file or link at {path}. Choose another folder; nothing was overwritten."
            )
    written: list[Path] = []
    try:
        write_pdf(data, pdf)
        written.append(pdf)
        write_new(js, json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8"))
        written.append(js)
        for a, path in zip(data["attachments"], files, strict=True):
            write_new(path, attachments.content(profile.conn, a["id"]))
            written.append(path)
    except BaseException:
        for path in written:  # all of the copy or none of it
            path.unlink(missing_ok=True)
        raise
    held = len(data["attachments"])
    audit.record(
        profile.conn,
        "subject_access",
        actor=profile.author,
        record_type="mentee",
        record_id=mentee_id,
        mentee_id=mentee_id,
        detail=f"{len(data['records']) + len(data['consent_history'])} records"
        + (f", {held} attachments" if held else ""),
    )
    return pdf, js, files
