"""Every fixed list the records use, each with the plain words people see.

This module is the one place these lists live: forms, validation, exports
and reports all read them from here.
"""

from __future__ import annotations


def _labels(*pairs: tuple[str, str]) -> dict[str, str]:
    return dict(pairs)


CONSENT_SCOPES = _labels(
    ("mentoring_records", "To be mentored and have notes kept"),
    ("share_with_organisation", "Records may be shared with the supervising organisation"),
    ("share_with_partner", "Records may be shared with a named partner organisation, for referrals"),
)

CONSENT_METHODS = _labels(("written", "In writing"), ("verbal", "Verbally"))

MENTEE_STATUSES = _labels(
    ("referred", "Referred"),
    ("active", "Active"),
    ("paused", "Paused"),
    ("closed", "Closed"),
)

REFERRAL_SOURCES = _labels(
    ("probation", "Probation"),
    ("prison_resettlement", "Prison resettlement team"),
    ("self", "Self-referral"),
    ("housing", "Housing provider"),
    ("other_service", "Another service"),
    ("other", "Other"),
)

NEEDS_AREAS = _labels(
    ("accommodation", "Accommodation"),
    ("money", "Money, benefits and debt"),
    ("employment", "Employment, training and education"),
    ("health", "Health and wellbeing"),
    ("drugs_alcohol", "Drugs and alcohol"),
    ("relationships", "Relationships and family"),
    ("id_banking", "ID and banking"),
    ("positive_time", "Positive use of time and sport"),
    ("attitudes", "Attitudes and a crime-free life"),
)
NEEDS_SCALE = _labels(
    ("1", "1 – serious need"),
    ("2", "2 – some need"),
    ("3", "3 – getting there"),
    ("4", "4 – mostly fine"),
    ("5", "5 – no need"),
)

MEETING_TYPES = _labels(
    ("one_to_one", "One-to-one"),
    ("group", "Group session"),
    ("sport", "Sport or physical activity"),
    ("accompanied", "Accompanied appointment"),
    ("phone_video", "Phone or video call"),
    ("did_not_attend", "Did not attend"),
)
ACTIVITIES = _labels(
    ("football", "Football"),
    ("gym", "Gym"),
    ("boxing", "Boxing"),
    ("walking", "Walking"),
    ("other", "Other activity"),
)
APPOINTMENT_PLACES = _labels(
    ("jobcentre", "Jobcentre"),
    ("housing_office", "Housing office"),
    ("gp", "GP or health"),
    ("probation", "Probation"),
    ("bank", "Bank"),
    ("other", "Other"),
)
WELLBEING_SCALE = _labels(
    ("1", "1 – very low"),
    ("2", "2 – low"),
    ("3", "3 – okay"),
    ("4", "4 – good"),
    ("5", "5 – very good"),
)

RISK_OUTCOMES = _labels(
    ("planned", "Planned"),
    ("checked_in_safe", "Checked in safe"),
    ("incident", "Incident"),
)

CONCERN_CATEGORIES = _labels(
    ("risk_to_self", "Risk to self"),
    ("risk_to_others", "Risk to others"),
    ("risk_from_others", "Risk from others"),
    ("exploitation", "Exploitation"),
    ("domestic_abuse", "Domestic abuse"),
    ("suicide_self_harm", "Suicide or self-harm"),
    ("child_at_risk", "Child at risk"),
    ("other", "Other"),
)
CONCERN_URGENCY = _labels(
    ("immediate", "Immediate danger – act now"),
    ("today", "Today"),
    ("this_week", "This week"),
    ("for_information", "For information"),
)
CONCERN_STATUSES = _labels(("open", "Open"), ("reported", "Reported"), ("closed", "Closed"))

MENTOR_LOG_KINDS = _labels(
    ("supervision", "Supervision meeting"),
    ("training", "Training"),
    ("volunteering", "Volunteer hours"),
)
