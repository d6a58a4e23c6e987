"""Realistic, obviously fictional records for a first look around, tests and benchmarks.

Everyone here is invented: surnames are trees and birds, phone numbers come
from Ofcom's range reserved for drama (07700 900000–900999).
"""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime, time, timedelta
from pathlib import Path

from . import clock
from .records import store, vocab
from .records.types import (
    Action,
    Concern,
    Consent,
    Contact,
    Goal,
    Meeting,
    Mentee,
    MentorLog,
    NeedsCheck,
    Record,
    Referral,
    RiskAssessment,
)
from .records.vocab import ConsentMethod, ConsentScope, MeetingType, MenteeStatus
from .settings import Settings, save_settings
from .storage.profile import Profile

# Printed for anyone to use (the demo holds invented people only). It goes through the same strength
# check as any new passphrase (storage/passphrase.py) and passes it, so no exception is needed.
DEMO_PASSPHRASE = "demo passphrase"
# A note beside a demo profile, so the unlock screen can say its passphrase (it holds invented people only).
DEMO_NOTE = "DEMO-PROFILE.txt"


def mark_as_demo(folder: str | Path) -> None:
    (Path(folder) / DEMO_NOTE).write_text(
        f"This profile holds invented people only, for trying Mentor App.\nIts passphrase is: {DEMO_PASSPHRASE}\n",
        encoding="utf-8",
    )


def is_demo(folder: str | Path) -> bool:
    return (Path(folder) / DEMO_NOTE).is_file()


FIRST = [
    "Jordan",
    "Casey",
    "Riley",
    "Alex",
    "Sam",
    "Jamie",
    "Taylor",
    "Morgan",
    "Charlie",
    "Danny",
    "Lee",
    "Kerry",
    "Robbie",
    "Shay",
    "Ashley",
    "Billie",
    "Frankie",
    "Kai",
    "Reece",
    "Toni",
]
LAST = [
    "Alder",
    "Birch",
    "Rowan",
    "Hazel",
    "Linnet",
    "Wren",
    "Sparrow",
    "Aspen",
    "Larch",
    "Plover",
    "Heron",
    "Willow",
    "Finch",
    "Thrush",
    "Elmfield",
    "Oakley",
    "Curlew",
    "Hawthorn",
    "Sedge",
    "Lapwing",
]
PLACES = [
    "Riverside Community Café",
    "Northgate Leisure Centre",
    "Victoria Park",
    "The Hub on Mill Lane",
    "St Anne's Church Hall",
    "Jobcentre Plus, High Street",
    "Phoenix Boxing Club",
    "Town library",
]
NOTES = [
    "Talked through the week. {n} found the first days in the hostel hard but is sleeping better. "
    "Agreed to look at the bus pass together next time.",
    "Played five-a-side with the Thursday group. {n} was quiet at first and then took charge of the "
    "warm-up. Said it was the first time in months they had laughed.",
    "Went with {n} to the Jobcentre for the work coach appointment. Claim is in payment from next "
    "week; advance to be repaid over 12 months. {n} asked lots of good questions.",
    "Phone catch-up. {n} has a probation appointment on Tuesday and is worried about being late; we planned the route.",
    "Gym session, then coffee. {n} wants to do the level 1 fitness instructor course and asked about "
    "funding. Will bring the course leaflet.",
    "Walk round the park. {n} spoke about family contact and missing the kids. Suggested the family "
    "mediation service and gave the number.",
    "Helped {n} fill in the GP registration form. Needs proof of address: hostel letter will do.",
    "{n} didn't want to talk much today. Kept it light. Checked in about mood: says 'getting by'.",
]
ACTIONS = [
    "Bring hostel letter for GP registration",
    "Ring the housing officer about the move-on flat",
    "Apply for a birth certificate",
    "Open a basic bank account",
    "Look up the fitness course dates",
    "Book the debt advice appointment",
    "Ask probation about the curfew times",
    "Take the bus pass form to the library",
    "Write down questions for the work coach",
]
GOALS = [
    "Move into a flat of my own",
    "Get a job in a gym",
    "See my kids every week",
    "Stay off drink at weekends",
    "Get my ID sorted",
    "Play for the Sunday league team",
]
NICKNAMES = ["Jay", "Lou", "Mo", "Bex", "Red", "Dee"]
PARTNERS = ["Step Forward Housing", "Second Chance Employment", "Open Door Recovery"]


def _at(day: date, hour: int) -> str:
    return datetime.combine(day, time(hour, 0)).isoformat(timespec="minutes")


def generate(
    profile: Profile, *, seed: int = 1, mentees: int = 12, weeks: int = 16, today: date | None = None
) -> dict[str, int]:
    """Fill an open profile with a caseload; returns how many records of each type it made."""
    rng = random.Random(seed)
    today = today or clock.today()
    start = today - timedelta(weeks=weeks)
    author, conn = profile.author, profile.conn
    counts: dict[str, int] = {}
    settings = Settings(
        organisation="Riverside Mentoring (demo)",
        safeguarding_lead="Pat Okafor (demo)",
        safeguarding_lead_phone="07700 900123",
    )
    save_settings(profile, settings)

    people = []
    names = rng.sample([(f, s) for f in FIRST for s in LAST], mentees)
    for i, (first, last) in enumerate(names):
        joined = start + timedelta(days=rng.randint(0, weeks * 3))
        status = rng.choices(
            [MenteeStatus.ACTIVE, MenteeStatus.PAUSED, MenteeStatus.REFERRED, MenteeStatus.CLOSED], weights=[7, 1, 1, 1]
        )[0]
        mentee = Mentee(
            name=f"{first} {last}",
            preferred_name=rng.choice(NICKNAMES) if rng.random() < 0.2 else "",
            pronouns=rng.choice(["he/him", "she/her", "they/them", ""]),
            phone=f"07700 900{rng.randint(0, 999):03d}",
            referral_source=rng.choice(list(vocab.REFERRAL_SOURCES)),
            referral_date=(joined - timedelta(days=rng.randint(3, 20))).isoformat(),
            release_date=(joined - timedelta(days=rng.randint(1, 30))).isoformat(),
            probation_contact=f"{rng.choice(FIRST)} {rng.choice(LAST)}, probation practitioner, "
            f"07700 900{rng.randint(0, 999):03d}",
            status=status,
            closing_reason="Moved out of the area" if status == MenteeStatus.CLOSED else "",
            safety_flag=i % 5 == 2,
            safety_note="Meet in public places only; avoid the Eastfield estate." if i % 5 == 2 else "",
        )
        mid = store.save(conn, mentee, author=author)
        people.append((mid, first, joined, status))
        items: list[tuple[Record, str]] = [
            (
                Consent(
                    scope=ConsentScope.MENTORING_RECORDS,
                    given=True,
                    on=joined.isoformat(),
                    method="written",
                    recorded_by=profile.display_name,
                ),
                mid,
            ),
        ]
        if rng.random() < 0.75:
            items.append(
                (
                    Consent(
                        scope=ConsentScope.SHARE_WITH_ORGANISATION,
                        given=True,
                        on=joined.isoformat(),
                        method="written",
                        recorded_by=profile.display_name,
                    ),
                    mid,
                )
            )
            if rng.random() < 0.15:
                withdrawn = joined + timedelta(days=rng.randint(10, 40))
                if withdrawn < today:
                    items.append(
                        (
                            Consent(
                                scope=ConsentScope.SHARE_WITH_ORGANISATION,
                                given=False,
                                on=withdrawn.isoformat(),
                                method="verbal",
                                recorded_by=profile.display_name,
                            ),
                            mid,
                        )
                    )
        if rng.random() < 0.4:
            items.append(
                (
                    Consent(
                        scope=ConsentScope.SHARE_WITH_PARTNER,
                        given=True,
                        on=joined.isoformat(),
                        method="verbal",
                        partner=rng.choice(PARTNERS),
                        recorded_by=profile.display_name,
                    ),
                    mid,
                )
            )
        scores = {a: rng.randint(1, 3) for a in vocab.NEEDS_AREAS}
        check_day = joined
        while check_day <= today:
            items.append(
                (
                    NeedsCheck(
                        on=check_day.isoformat(),
                        scores=dict(scores),
                        notes={"accommodation": "Hostel, wants own flat"} if scores["accommodation"] < 3 else {},
                    ),
                    mid,
                )
            )
            scores = {a: min(5, s + rng.choice([0, 0, 1])) for a, s in scores.items()}
            check_day += timedelta(weeks=6)
        for text in rng.sample(GOALS, rng.randint(1, 2)):
            items.append((Goal(text=text, set_on=joined.isoformat(), achieved=rng.random() < 0.2), mid))
        day = joined
        # Paused and closed cases stopped meeting a few weeks ago.
        last_day = today - timedelta(days=1 if status == MenteeStatus.ACTIVE else rng.randint(18, 40))
        while day <= last_day and status != MenteeStatus.REFERRED:
            kind = rng.choices(list(vocab.MEETING_TYPES), weights=[5, 1, 3, 2, 2, 1])[0]
            meeting = Meeting(
                starts_at=_at(day, rng.choice([10, 11, 13, 14, 15])),
                duration_minutes=rng.choice([30, 45, 60, 60, 90]),
                place=rng.choice(PLACES),
                kind=kind,
                activity=rng.choice(list(vocab.ACTIVITIES)[:4]) if kind == MeetingType.SPORT else "",
                appointment_at=rng.choice(list(vocab.APPOINTMENT_PLACES)) if kind == MeetingType.ACCOMPANIED else "",
                wellbeing_before=0 if kind == MeetingType.DID_NOT_ATTEND else rng.randint(2, 4),
                wellbeing_after=0 if kind == MeetingType.DID_NOT_ATTEND else rng.randint(3, 5),
                notes="" if kind == MeetingType.DID_NOT_ATTEND else rng.choice(NOTES).format(n=first),
            )
            if day + timedelta(days=7) > last_day and status == MenteeStatus.ACTIVE:
                meeting.next_meeting = _at(today + timedelta(days=rng.randint(1, 9)), rng.choice([10, 11, 14]))
            items.append((meeting, mid))
            if rng.random() < 0.3:
                due = day + timedelta(days=rng.randint(3, 14))
                items.append(
                    (
                        Action(
                            text=rng.choice(ACTIONS),
                            owner=rng.choice(["mentee", "mentor"]),
                            due=due.isoformat(),
                            done=due < today - timedelta(days=3),
                        ),
                        mid,
                    )
                )
            day += timedelta(days=rng.choice([5, 7, 7, 7, 10, 14]))
        if rng.random() < 0.3:
            items.append(
                (
                    RiskAssessment(
                        meeting_at=_at(joined, 11),
                        place=rng.choice(PLACES),
                        who_knows="Office (Pat), by text",
                        check_in_at=_at(joined, 13),
                        checked_in_at=_at(joined, 12),
                        risks="First meeting; unfamiliar area.",
                        outcome="checked_in_safe",
                    ),
                    mid,
                )
            )
        for record, _ in items:
            counts[record.type_name] = counts.get(record.type_name, 0) + 1
        store.save_many(conn, items, author=author)
        counts["mentee"] = counts.get("mentee", 0) + 1

    active = [p for p in people if p[3] == MenteeStatus.ACTIVE]
    concerns = [
        Concern(
            category="risk_from_others",
            urgency="today",
            raised_at=_at(today - timedelta(days=3), 15),
            what_happened="Said someone from before prison has been waiting outside the hostel.",
            action_taken="Talked through a safety plan; told the hostel key worker.",
            status="open",
        ),
        Concern(
            category="suicide_self_harm",
            urgency="immediate",
            raised_at=_at(start + timedelta(days=20), 14),
            what_happened="Said they could not see the point any more.",
            action_taken="Stayed with them, called the crisis team together; they attended A&E.",
            reported_to="Pat Okafor (safeguarding lead)",
            reported_at=_at(start + timedelta(days=20), 16),
            status="closed",
        ),
    ]
    # As many concerns as there are people to raise them about (a small demo has fewer).
    for concern, person in zip(concerns, active or people, strict=False):
        store.save(conn, concern, author=author, mentee_id=person[0])
        counts["concern"] = counts.get("concern", 0) + 1

    local = [
        Contact(
            organisation="Riverside Housing Options",
            service="Drop-in housing advice",
            categories=["housing"],
            help_with="Help to find somewhere to live and to fill in housing forms.",
            phone="01632 960101",
            address="Civic Centre, 1 Market Square, Riverside RV1 1AA",
            area="Riverside",
            opening_hours="Mon–Fri 9.30am–12.30pm, no appointment needed",
            what_to_bring="Any ID you have, your release licence, proof of income if you have it",
            last_checked=(today - timedelta(days=40)).isoformat(),
            checked_by="Pat Okafor (demo)",
        ),
        Contact(
            organisation="Northgate Boxing Club",
            service="Free Tuesday sessions",
            categories=["sport"],
            help_with="Free boxing fitness for adults; no experience needed.",
            phone="01632 960202",
            website="northgate-boxing.example.org",
            address="Unit 4, Mill Lane, Riverside RV2 3BB",
            area="Riverside",
            opening_hours="Tuesdays 6pm–7.30pm",
            what_to_bring="Trainers and water",
            last_checked=(today - timedelta(days=400)).isoformat(),
            checked_by="Demo Mentor",
        ),
        Contact(
            organisation="Second Chance Employment",
            service="Work coaching",
            categories=["employment"],
            help_with="One-to-one help with CVs, disclosure of convictions and job applications.",
            phone="01632 960303",
            email="hello@second-chance.example.org",
            area="Riverside",
            last_checked=(today - timedelta(days=20)).isoformat(),
            checked_by="Pat Okafor (demo)",
        ),
        Contact(
            organisation="Open Door Recovery",
            service="Drug and alcohol support",
            categories=["drugs_alcohol"],
            help_with="Free, confidential support to cut down or stop drinking or using drugs.",
            phone="01632 960404",
            address="22 Station Road, Riverside RV1 4CC",
            area="Riverside",
            opening_hours="Mon–Sat 10am–4pm",
            last_checked=(today - timedelta(days=90)).isoformat(),
            checked_by="Demo Mentor",
        ),
    ]
    contact_ids = [store.save(conn, c, author=author) for c in local]
    counts["contact"] = len(local)
    # One referral for each of the first active people, as far as the contacts go.
    for person, cid, kind in zip(active, contact_ids, ["signpost", "signpost", "signpost", "signpost"], strict=False):
        referral = Referral(
            contact_id=cid,
            organisation=local[contact_ids.index(cid)].organisation,
            kind=kind,
            category=local[contact_ids.index(cid)].categories[0],
            on=(today - timedelta(days=10)).isoformat(),
            reason="Talked about it at our meeting.",
            follow_up=(today - timedelta(days=1)).isoformat(),
            outcome="made",
        )
        store.save(conn, referral, author=author, mentee_id=person[0])
        counts["referral"] = counts.get("referral", 0) + 1

    group_day = today - timedelta(days=2)
    group = str(uuid.uuid4())
    store.save_many(
        conn,
        [
            (
                Meeting(
                    starts_at=_at(group_day, 18),
                    duration_minutes=90,
                    place="Northgate Leisure Centre",
                    kind="sport",
                    activity="football",
                    group_id=group,
                    wellbeing_before=3,
                    wellbeing_after=4,
                    notes="Thursday five-a-side.",
                ),
                p[0],
            )
            for p in active[:4]
        ],
        author=author,
    )
    counts["meeting"] = counts.get("meeting", 0) + len(active[:4])

    logs = []
    day = start
    while day <= today:
        logs.append(MentorLog(kind="volunteering", on=day.isoformat(), hours=rng.choice([6, 8, 10, 12])))
        if day.day <= 7:
            logs.append(MentorLog(kind="supervision", on=day.isoformat(), hours=1, note="Monthly supervision"))
        day += timedelta(weeks=1)
    logs.append(
        MentorLog(
            kind="training", on=(start + timedelta(days=10)).isoformat(), hours=3, note="Safeguarding adults refresher"
        )
    )
    store.save_many(conn, [(log, None) for log in logs], author=author)
    counts["mentor_log"] = len(logs)
    return counts


def generate_volume(
    profile: Profile,
    *,
    seed: int = 1,
    mentees: int = 25,
    meetings: int = 2500,
    referrals: int = 300,
    today: date | None = None,
) -> dict[str, int]:
    """A caseload of a given size, fast (for benchmarks and tests that need volume).

    Realistic in shape: notes of realistic length, a consent mix (three in four share with the
    organisation), referrals with outcomes, a needs check per person; spread over the last two years.
    """
    rng = random.Random(seed)
    today = today or clock.today()
    author, conn = profile.author, profile.conn
    ids = []
    people = []
    for i in range(mentees):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        people.append(
            (
                Mentee(
                    name=f"{first} {last} {i + 1}",
                    status=rng.choice([MenteeStatus.ACTIVE] * 4 + [MenteeStatus.PAUSED, MenteeStatus.CLOSED]),
                    phone=f"07700 900{rng.randint(0, 999):03d}",
                    referral_source=rng.choice(list(vocab.REFERRAL_SOURCES)),
                ),
                None,
            )
        )
    ids = store.save_many(conn, people, author=author)
    consent: list[tuple[Record, str]] = [
        (Consent(scope=ConsentScope.SHARE_WITH_ORGANISATION, on="2020-01-01", method=ConsentMethod.WRITTEN), mid)
        for mid in ids
        if rng.random() < 0.75
    ]
    checks: list[tuple[Record, str]] = [
        (
            NeedsCheck(
                on=(today - timedelta(days=rng.randint(0, 700))).isoformat(),
                scores={a: rng.randint(1, 5) for a in vocab.NEEDS_AREAS},
            ),
            mid,
        )
        for mid in ids
    ]
    store.save_many(conn, consent + checks, author=author)
    kinds = list(vocab.MEETING_TYPES)
    batch = []
    for n in range(meetings):
        mid = ids[n % len(ids)]
        day = today - timedelta(days=rng.randint(0, 730))
        kind = rng.choices(kinds, weights=[5, 1, 3, 2, 2, 1])[0]
        batch.append(
            (
                Meeting(
                    starts_at=_at(day, rng.choice([10, 11, 14, 15])),
                    duration_minutes=rng.choice([30, 60, 90]),
                    place=rng.choice(PLACES),
                    kind=kind,
                    activity=rng.choice(list(vocab.ACTIVITIES)[:4]) if kind == MeetingType.SPORT else "",
                    notes="" if kind == MeetingType.DID_NOT_ATTEND else rng.choice(NOTES).format(n=rng.choice(FIRST)),
                ),
                mid,
            )
        )
        if len(batch) == 1000:
            store.save_many(conn, batch, author=author)
            batch = []
    if batch:
        store.save_many(conn, batch, author=author)
    outcomes = list(vocab.REFERRAL_OUTCOMES)
    store.save_many(
        conn,
        [
            (
                Referral(
                    contact_id="volume",
                    organisation=rng.choice(PARTNERS),
                    category=rng.choice(list(vocab.DIRECTORY_CATEGORIES)),
                    on=(today - timedelta(days=rng.randint(0, 700))).isoformat(),
                    outcome=rng.choice(outcomes),
                    reason="Talked it through together.",
                ),
                ids[n % len(ids)],
            )
            for n in range(referrals)
        ],
        author=author,
    )
    return {"mentee": mentees, "meeting": meetings, "referral": referrals}
