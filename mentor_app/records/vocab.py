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

DIRECTORY_CATEGORIES = _labels(
    ("housing", "Housing"),
    ("money", "Money, benefits and debt"),
    ("employment", "Employment, training and education"),
    ("health", "Health and GP registration"),
    ("mental_health", "Mental health"),
    ("drugs_alcohol", "Drugs and alcohol"),
    ("id_banking", "ID documents and banking"),
    ("family", "Family and relationships"),
    ("legal", "Legal"),
    ("sport", "Sport and leisure"),
    ("faith_community", "Faith and community"),
    ("crisis", "Crisis and helplines"),
    ("other", "Other"),
)
# Which directory categories meet which resettlement need (for preselecting a sheet's contacts).
NEED_TO_DIRECTORY = {
    "accommodation": ("housing",),
    "money": ("money",),
    "employment": ("employment",),
    "health": ("health", "mental_health"),
    "drugs_alcohol": ("drugs_alcohol",),
    "relationships": ("family",),
    "id_banking": ("id_banking",),
    "positive_time": ("sport", "faith_community"),
    "attitudes": ("legal",),
}
CONTACT_SCOPES = _labels(("local", "Local"), ("national", "National"))
CONTACT_ORIGINS = _labels(
    ("default", "Shipped with Mentor App (check before use)"),
    ("organisation", "From your organisation"),
    ("local", "Added on this laptop"),
)

REFERRAL_KINDS = _labels(
    ("signpost", "Signposted (information given)"),
    ("referral", "Referred (made on their behalf)"),
)
REFERRAL_OUTCOMES = _labels(
    ("made", "Made – waiting to hear"),
    ("waiting", "Waiting list"),
    ("attended", "Attended"),
    ("not_attended", "Did not attend"),
    ("declined", "Declined"),
    ("not_eligible", "Not eligible"),
)
# Outcomes that still need someone to follow up.
OPEN_REFERRAL_OUTCOMES = ("made", "waiting")

MENTOR_LOG_KINDS = _labels(
    ("supervision", "Supervision meeting"),
    ("training", "Training"),
    ("volunteering", "Volunteer hours"),
)
