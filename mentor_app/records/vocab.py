"""Every fixed list the records use, each with the plain words people see.

This module is the one place these lists live: forms, validation, exports
and reports all read them from here.

Each list is an enum whose members are strings: a member is equal to the code
stored in the records (``ConsentScope.SHARE_WITH_ORGANISATION == "share_with_organisation"``),
so stored data and old profiles read the same, and a mistyped member is an
AttributeError instead of a code that silently matches nothing. The dicts in
capitals (``CONSENT_SCOPES``: code -> plain words) are made from the enums, for
forms and validation that go through every choice.
"""

from __future__ import annotations

import enum
from typing import TypeVar

from ..i18n import LANGUAGES, N_

_V = TypeVar("_V", bound="Vocabulary")


class Vocabulary(str, enum.Enum):
    """One choice of a fixed list: its stored code (the member's value) and its plain words (``label``)."""

    _value_: str
    label: str

    def __new__(cls: type[_V], code: str, label: str) -> _V:
        member = str.__new__(cls, code)
        member._value_ = code
        member.label = label
        return member

    # Written into text, a member is its code (as the plain string it replaced was), never "ConsentScope.…".
    def __str__(self) -> str:
        return self._value_

    def __format__(self, spec: str) -> str:
        return format(self._value_, spec)


def _labels(vocabulary: type[Vocabulary]) -> dict[str, str]:
    return {member.value: member.label for member in vocabulary}


class ConsentScope(Vocabulary):
    MENTORING_RECORDS = ("mentoring_records", N_("To be mentored and have notes kept"))
    SHARE_WITH_ORGANISATION = ("share_with_organisation", N_("Records may be shared with the supervising organisation"))
    SHARE_WITH_PARTNER = (
        "share_with_partner",
        N_("Records may be shared with a named partner organisation, for referrals"),
    )
    JUSTICE_DATA_LAB = (
        "justice_data_lab",
        N_(
            "Name, date of birth and identifiers may go to the Ministry of Justice's Justice Data Lab, "
            "to measure reoffending"
        ),
    )


class ConsentMethod(Vocabulary):
    WRITTEN = ("written", N_("In writing"))
    VERBAL = ("verbal", N_("Verbally"))


class MenteeStatus(Vocabulary):
    REFERRED = ("referred", N_("Referred"))
    ACTIVE = ("active", N_("Active"))
    PAUSED = ("paused", N_("Paused"))
    CLOSED = ("closed", N_("Closed"))


class ReferralSource(Vocabulary):
    PROBATION = ("probation", N_("Probation"))
    PRISON_RESETTLEMENT = ("prison_resettlement", N_("Prison resettlement team"))
    SELF = ("self", N_("Self-referral"))
    HOUSING = ("housing", N_("Housing provider"))
    OTHER_SERVICE = ("other_service", N_("Another service"))
    OTHER = ("other", N_("Other"))


class NeedsArea(Vocabulary):
    ACCOMMODATION = ("accommodation", N_("Accommodation"))
    MONEY = ("money", N_("Money, benefits and debt"))
    EMPLOYMENT = ("employment", N_("Employment, training and education"))
    HEALTH = ("health", N_("Health and wellbeing"))
    DRUGS_ALCOHOL = ("drugs_alcohol", N_("Drugs and alcohol"))
    RELATIONSHIPS = ("relationships", N_("Relationships and family"))
    ID_BANKING = ("id_banking", N_("ID and banking"))
    POSITIVE_TIME = ("positive_time", N_("Positive use of time and sport"))
    ATTITUDES = ("attitudes", N_("Attitudes and a crime-free life"))


class NeedsScore(Vocabulary):
    SERIOUS_NEED = ("1", "1 – serious need")
    SOME_NEED = ("2", "2 – some need")
    GETTING_THERE = ("3", "3 – getting there")
    MOSTLY_FINE = ("4", "4 – mostly fine")
    NO_NEED = ("5", "5 – no need")


class MeetingType(Vocabulary):
    ONE_TO_ONE = ("one_to_one", N_("One-to-one"))
    GROUP = ("group", N_("Group session"))
    SPORT = ("sport", N_("Sport or physical activity"))
    ACCOMPANIED = ("accompanied", N_("Accompanied appointment"))
    PHONE_VIDEO = ("phone_video", N_("Phone or video call"))
    DID_NOT_ATTEND = ("did_not_attend", N_("Did not attend"))


class Activity(Vocabulary):
    FOOTBALL = ("football", N_("Football"))
    GYM = ("gym", N_("Gym"))
    BOXING = ("boxing", N_("Boxing"))
    WALKING = ("walking", N_("Walking"))
    OTHER = ("other", N_("Other activity"))


class AppointmentPlace(Vocabulary):
    JOBCENTRE = ("jobcentre", N_("Jobcentre"))
    HOUSING_OFFICE = ("housing_office", N_("Housing office"))
    GP = ("gp", N_("GP or health"))
    PROBATION = ("probation", N_("Probation"))
    BANK = ("bank", N_("Bank"))
    OTHER = ("other", N_("Other"))


class Wellbeing(Vocabulary):
    VERY_LOW = ("1", N_("1 – very low"))
    LOW = ("2", N_("2 – low"))
    OKAY = ("3", N_("3 – okay"))
    GOOD = ("4", N_("4 – good"))
    VERY_GOOD = ("5", N_("5 – very good"))


class RiskOutcome(Vocabulary):
    PLANNED = ("planned", N_("Planned"))
    CHECKED_IN_SAFE = ("checked_in_safe", N_("Checked in safe"))
    INCIDENT = ("incident", N_("Incident"))


class ConcernCategory(Vocabulary):
    RISK_TO_SELF = ("risk_to_self", N_("Risk to self"))
    RISK_TO_OTHERS = ("risk_to_others", N_("Risk to others"))
    RISK_FROM_OTHERS = ("risk_from_others", N_("Risk from others"))
    EXPLOITATION = ("exploitation", N_("Exploitation"))
    DOMESTIC_ABUSE = ("domestic_abuse", N_("Domestic abuse"))
    SUICIDE_SELF_HARM = ("suicide_self_harm", N_("Suicide or self-harm"))
    CHILD_AT_RISK = ("child_at_risk", N_("Child at risk"))
    OTHER = ("other", N_("Other"))


class ConcernUrgency(Vocabulary):
    """Most urgent first: lists of concerns are ordered this way."""

    IMMEDIATE = ("immediate", N_("Immediate danger – act now"))
    TODAY = ("today", N_("Today"))
    THIS_WEEK = ("this_week", N_("This week"))
    FOR_INFORMATION = ("for_information", N_("For information"))


class ConcernStatus(Vocabulary):
    OPEN = ("open", N_("Open"))
    REPORTED = ("reported", N_("Reported"))
    CLOSED = ("closed", N_("Closed"))


class DirectoryCategory(Vocabulary):
    HOUSING = ("housing", N_("Housing"))
    MONEY = ("money", N_("Money, benefits and debt"))
    EMPLOYMENT = ("employment", N_("Employment, training and education"))
    HEALTH = ("health", N_("Health and GP registration"))
    MENTAL_HEALTH = ("mental_health", N_("Mental health"))
    DRUGS_ALCOHOL = ("drugs_alcohol", N_("Drugs and alcohol"))
    ID_BANKING = ("id_banking", N_("ID documents and banking"))
    FAMILY = ("family", N_("Family and relationships"))
    LEGAL = ("legal", N_("Legal"))
    SPORT = ("sport", N_("Sport and leisure"))
    FAITH_COMMUNITY = ("faith_community", N_("Faith and community"))
    CRISIS = ("crisis", N_("Crisis and helplines"))
    OTHER = ("other", N_("Other"))


class ContactScope(Vocabulary):
    LOCAL = ("local", "Local")
    NATIONAL = ("national", "National")


class ContactOrigin(Vocabulary):
    DEFAULT = ("default", "Shipped with Mentor App (check before use)")
    ORGANISATION = ("organisation", "From your organisation")
    LOCAL = ("local", "Added on this laptop")


class ReferralKind(Vocabulary):
    SIGNPOST = ("signpost", N_("Signposted (information given)"))
    REFERRAL = ("referral", N_("Referred (made on their behalf)"))


class ReferralOutcome(Vocabulary):
    MADE = ("made", N_("Made – waiting to hear"))
    WAITING = ("waiting", N_("Waiting list"))
    ATTENDED = ("attended", N_("Attended"))
    NOT_ATTENDED = ("not_attended", N_("Did not attend"))
    DECLINED = ("declined", N_("Declined"))
    NOT_ELIGIBLE = ("not_eligible", N_("Not eligible"))


class MentorLogKind(Vocabulary):
    SUPERVISION = ("supervision", "Supervision meeting")
    TRAINING = ("training", "Training")
    VOLUNTEERING = ("volunteering", "Volunteer hours")


# Equality monitoring: every question can be answered "prefer not to say"; left empty, it was not asked.
PREFER_NOT_TO_SAY = ("prefer_not_to_say", N_("Prefer not to say"))


class Gender(Vocabulary):
    FEMALE = ("female", N_("Female"))
    MALE = ("male", N_("Male"))
    ANOTHER = ("another", N_("In another way"))
    PREFER_NOT = PREFER_NOT_TO_SAY


class Ethnicity(Vocabulary):
    """The 19 ethnic groups of the 2021 Census of England and Wales (Office for National Statistics)."""

    ASIAN_BANGLADESHI = ("asian_bangladeshi", N_("Asian, Asian British or Asian Welsh: Bangladeshi"))
    ASIAN_CHINESE = ("asian_chinese", N_("Asian, Asian British or Asian Welsh: Chinese"))
    ASIAN_INDIAN = ("asian_indian", N_("Asian, Asian British or Asian Welsh: Indian"))
    ASIAN_PAKISTANI = ("asian_pakistani", N_("Asian, Asian British or Asian Welsh: Pakistani"))
    ASIAN_OTHER = ("asian_other", N_("Asian, Asian British or Asian Welsh: any other Asian background"))
    BLACK_AFRICAN = ("black_african", N_("Black, Black British, Black Welsh, Caribbean or African: African"))
    BLACK_CARIBBEAN = ("black_caribbean", N_("Black, Black British, Black Welsh, Caribbean or African: Caribbean"))
    BLACK_OTHER = (
        "black_other",
        N_(
            "Black, Black British, Black Welsh, Caribbean or African: any other Black, Black British or Caribbean "
            "background"
        ),
    )
    MIXED_WHITE_ASIAN = ("mixed_white_asian", N_("Mixed or Multiple ethnic groups: White and Asian"))
    MIXED_WHITE_BLACK_AFRICAN = (
        "mixed_white_black_african",
        N_("Mixed or Multiple ethnic groups: White and Black African"),
    )
    MIXED_WHITE_BLACK_CARIBBEAN = (
        "mixed_white_black_caribbean",
        N_("Mixed or Multiple ethnic groups: White and Black Caribbean"),
    )
    MIXED_OTHER = ("mixed_other", N_("Mixed or Multiple ethnic groups: any other Mixed or Multiple background"))
    WHITE_BRITISH = ("white_british", N_("White: English, Welsh, Scottish, Northern Irish or British"))
    WHITE_IRISH = ("white_irish", N_("White: Irish"))
    WHITE_GYPSY_TRAVELLER = ("white_gypsy_traveller", N_("White: Gypsy or Irish Traveller"))
    WHITE_ROMA = ("white_roma", N_("White: Roma"))
    WHITE_OTHER = ("white_other", N_("White: any other White background"))
    OTHER_ARAB = ("other_arab", N_("Other ethnic group: Arab"))
    OTHER_ANY = ("other_any", N_("Other ethnic group: any other ethnic group"))
    PREFER_NOT = PREFER_NOT_TO_SAY


class Disability(Vocabulary):
    YES = ("yes", N_("Yes"))
    NO = ("no", N_("No"))
    PREFER_NOT = PREFER_NOT_TO_SAY


class AgeBand(Vocabulary):
    """Worked out from the date of birth (records/identity.py), never typed."""

    UNDER_18 = ("under_18", "Under 18")
    FROM_18 = ("18_24", "18 to 24")
    FROM_25 = ("25_34", "25 to 34")
    FROM_35 = ("35_44", "35 to 44")
    FROM_45 = ("45_54", "45 to 54")
    FROM_55 = ("55_64", "55 to 64")
    FROM_65 = ("65_plus", "65 and over")
    NOT_KNOWN = ("not_known", "Not known (no date of birth)")


class AttachmentKind(Vocabulary):
    """What an attached file is, as its first bytes say (records/attachments.py), never as its name says."""

    JPEG = ("jpeg", N_("Photo (JPEG)"))
    PNG = ("png", N_("Picture (PNG)"))
    PDF = ("pdf", N_("PDF document"))


CONSENT_SCOPES = _labels(ConsentScope)
CONSENT_METHODS = _labels(ConsentMethod)
MENTEE_STATUSES = _labels(MenteeStatus)
REFERRAL_SOURCES = _labels(ReferralSource)
NEEDS_AREAS = _labels(NeedsArea)
NEEDS_SCALE = _labels(NeedsScore)
MEETING_TYPES = _labels(MeetingType)
ACTIVITIES = _labels(Activity)
APPOINTMENT_PLACES = _labels(AppointmentPlace)
WELLBEING_SCALE = _labels(Wellbeing)
RISK_OUTCOMES = _labels(RiskOutcome)
CONCERN_CATEGORIES = _labels(ConcernCategory)
CONCERN_URGENCY = _labels(ConcernUrgency)
CONCERN_STATUSES = _labels(ConcernStatus)
DIRECTORY_CATEGORIES = _labels(DirectoryCategory)
# What a person's sheets and copies are printed in: the languages the app has words for (i18n.py).
SHEET_LANGUAGES = dict(LANGUAGES)
CONTACT_SCOPES = _labels(ContactScope)
CONTACT_ORIGINS = _labels(ContactOrigin)
REFERRAL_KINDS = _labels(ReferralKind)
REFERRAL_OUTCOMES = _labels(ReferralOutcome)
MENTOR_LOG_KINDS = _labels(MentorLogKind)
GENDERS = _labels(Gender)
ETHNICITIES = _labels(Ethnicity)
DISABILITY = _labels(Disability)
AGE_BANDS = _labels(AgeBand)
ATTACHMENT_KINDS = _labels(AttachmentKind)

# Which directory categories meet which resettlement need (for preselecting a sheet's contacts).
NEED_TO_DIRECTORY: dict[str, tuple[DirectoryCategory, ...]] = {
    NeedsArea.ACCOMMODATION: (DirectoryCategory.HOUSING,),
    NeedsArea.MONEY: (DirectoryCategory.MONEY,),
    NeedsArea.EMPLOYMENT: (DirectoryCategory.EMPLOYMENT,),
    NeedsArea.HEALTH: (DirectoryCategory.HEALTH, DirectoryCategory.MENTAL_HEALTH),
    NeedsArea.DRUGS_ALCOHOL: (DirectoryCategory.DRUGS_ALCOHOL,),
    NeedsArea.RELATIONSHIPS: (DirectoryCategory.FAMILY,),
    NeedsArea.ID_BANKING: (DirectoryCategory.ID_BANKING,),
    NeedsArea.POSITIVE_TIME: (DirectoryCategory.SPORT, DirectoryCategory.FAITH_COMMUNITY),
    NeedsArea.ATTITUDES: (DirectoryCategory.LEGAL,),
}
# Outcomes that still need someone to follow up.
OPEN_REFERRAL_OUTCOMES = (ReferralOutcome.MADE, ReferralOutcome.WAITING)
