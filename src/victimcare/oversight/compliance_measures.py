"""What the compliance return measures: each measure's obligation codes and definition,
and the breakdowns with their groups, labels and definitions (data, no queries)."""

from __future__ import annotations

from dataclasses import dataclass

from victimcare.cases.constants import Disability, Ethnicity, Sex
from victimcare.forces.constants import SurveyGroup

ALL = "all"
NOT_RECORDED = "not_recorded"


@dataclass(frozen=True)
class MeasureDefinition:
    code: str
    title: str
    obligation_codes: tuple[str, ...]
    definition: str
    caveat: str = ""


MEASURES: tuple[MeasureDefinition, ...] = (
    MeasureDefinition(
        "written_information_on_time",
        "Written information sent on time",
        ("written_information",),
        "Victims sent written information (Code right 3: crime reference, officer "
        "contact, what happens next) by the rule set's deadline after their report.",
    ),
    MeasureDefinition(
        "needs_assessment_on_time",
        "Needs assessment done on time",
        ("needs_assessment",),
        "Victims whose needs were assessed (Code right 4) by the deadline.",
        "Cases clocked under the first version of the 2015 Code rule set clocked it for "
        "enhanced victims only; the current versions clock it for every victim.",
    ),
    MeasureDefinition(
        "referral_within_2wd",
        "Referred to support within 2 working days",
        ("support_referral",),
        "Victims not objecting to a referral whose details were passed to support "
        "services within 2 working days (Code right 4). A victim who declined before the "
        "deadline is not counted (the obligation is cancelled).",
        "Referral is opt-out: a victim is counted unless they objected. Victims of sexual "
        "offences, domestic abuse and bereaved relatives are referred only with their "
        "explicit consent, and are counted whether or not they gave it.",
    ),
    MeasureDefinition(
        "decision_updates_on_time",
        "Told of decisions on time",
        ("decision_update", "not_investigated_notice"),
        "Victims told of every decision (arrest, interview under caution, release under "
        "investigation, bail granted, changed or cancelled, charge, caution, community "
        "resolution, no further action, arrest warrant, not investigated) within 5 working "
        "days, 1 for enhanced victims (Code right 6).",
    ),
    MeasureDefinition(
        "investigation_updates_on_time",
        "Updated during the investigation on time",
        ("investigation_update", "no_suspect_update"),
        "Victims given every update due during the investigation, at the frequency agreed "
        "with them at the needs assessment (every 28 days where none was agreed), until the "
        "case is closed (Code right 6).",
        "Cases clocked under the first versions of the rule sets count updates only while "
        "no suspect was identified (no_suspect_update).",
    ),
    MeasureDefinition(
        "vps_offered",
        "Offered a Victim Personal Statement",
        ("vps_offer", "vps_offer_bereaved"),
        "Victims offered a Victim Personal Statement within 5 working days of their witness "
        "statement being taken and again of a charge; bereaved relatives from the report, "
        "whether or not they made a statement (Code right 7).",
        "Cases clocked under the first versions of the rule sets clock the offer only from a "
        "charge.",
    ),
    MeasureDefinition(
        "vrr_information_on_time",
        "Told about the Right to Review on time",
        ("vrr_information",),
        "Victims told how to ask for a review under the Victims' Right to Review scheme "
        "within 5 working days of a decision not to charge, a caution or a community "
        "resolution after a suspect was interviewed under caution.",
        "Cases clocked under the first versions of the rule sets clock it after every "
        "no-further-action decision, whether or not a suspect was interviewed under caution.",
    ),
    MeasureDefinition(
        "vrr_requests_on_time",
        "Review requests acknowledged and decided on time",
        ("vrr_acknowledgement", "vrr_decision"),
        "Requests for a review under the Victims' Right to Review scheme acknowledged within "
        "10 working days and decided within 30.",
    ),
)


def _choices(choices, *extra: str) -> tuple[str, ...]:
    return (*(value for value in choices.values), *extra)


# breakdown -> its groups, in order (every group appears, zeros included).
BREAKDOWNS: dict[str, tuple[str, ...]] = {
    ALL: (ALL,),
    "age_band": ("under_18", "18_and_over", "not_known"),
    "sex": _choices(Sex, NOT_RECORDED),
    "ethnicity": _choices(Ethnicity, NOT_RECORDED),
    "disability": _choices(Disability, NOT_RECORDED),
    "crime_group": _choices(SurveyGroup),
    "enhanced": ("enhanced", "not_enhanced"),
    "area": (),  # the force's areas, by code
}
BREAKDOWN_LABELS = {
    ALL: "All victims",
    "age_band": "Age on the day of the offence",
    "sex": "Sex",
    "ethnicity": "Ethnic group",
    "disability": "Disability",
    "crime_group": "Crime group",
    "enhanced": "Enhanced entitlement",
    "area": "Area",
}
BREAKDOWN_DEFINITIONS = {
    ALL: "every victim counted for the measure",
    "age_band": "under_18 when the victim was under 18 on the day of the offence (the "
    "case's occurred date, else its reported date) by their date of birth; without a date "
    "of birth, under_18 for a recorded age band of under 16, 18_and_over for a band from "
    "25 up; not_known otherwise (a 16 to 24 band, prefer not to say, nothing recorded)",
    "sex": "the victim's recorded sex (not_recorded when blank)",
    "ethnicity": "the victim's recorded ethnic group (ONS 2021 high-level groups; "
    "not_recorded when blank)",
    "disability": "whether the victim recorded a disability (not_recorded when blank)",
    "crime_group": "the User Satisfaction Survey crime group of the case's crime type",
    "enhanced": "enhanced: the victim is recorded as a victim of the most serious crime, "
    "persistently targeted, vulnerable or intimidated (the grounds the care clock uses)",
    "area": "the case's area (borough, district or BCU), by code",
}


def group_labels(areas: dict[str, str]) -> dict[tuple[str, str], str]:
    labels: dict[tuple[str, str], str] = {
        (ALL, ALL): "All victims",
        ("age_band", "under_18"): "Under 18",
        ("age_band", "18_and_over"): "18 and over",
        ("age_band", "not_known"): "Not known",
        ("enhanced", "enhanced"): "Enhanced",
        ("enhanced", "not_enhanced"): "Not enhanced",
    }
    for breakdown, choices in (
        ("sex", Sex),
        ("ethnicity", Ethnicity),
        ("disability", Disability),
        ("crime_group", SurveyGroup),
    ):
        for value, label in choices.choices:
            labels[(breakdown, value)] = str(label)
        labels[(breakdown, NOT_RECORDED)] = "Not recorded"
    for code, name in areas.items():
        labels[("area", code)] = name
    return labels
