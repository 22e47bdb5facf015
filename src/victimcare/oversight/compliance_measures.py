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
        "Under the 2015 Code rule set only enhanced victims are clocked for it.",
    ),
    MeasureDefinition(
        "referral_within_2wd",
        "Referred to support within 2 working days",
        ("support_referral",),
        "Victims not objecting to a referral whose details were passed to support "
        "services within 2 working days (Code right 4). A victim who declined before the "
        "deadline is not counted (the obligation is cancelled).",
        "The care clock does not yet apply the explicit-consent rule (sexual offences, "
        "domestic abuse, bereaved relatives): such victims are counted unless a decline was "
        "recorded.",
    ),
    MeasureDefinition(
        "decision_updates_on_time",
        "Told of decisions on time",
        ("decision_update", "not_investigated_notice"),
        "Victims told of every decision (arrest, bail, charge, caution, no further action, "
        "not investigated) within 5 working days, 1 for enhanced victims (Code right 6).",
    ),
    MeasureDefinition(
        "investigation_updates_on_time",
        "Updated during the investigation on time",
        ("no_suspect_update",),
        "Victims given every update due while no suspect was identified (at least every "
        "28 days; Code right 6).",
    ),
    MeasureDefinition(
        "vps_offered",
        "Offered a Victim Personal Statement",
        ("vps_offer",),
        "Victims offered a Victim Personal Statement by the deadline (Code right 7).",
        "The rule sets clock the offer from a charge (5 working days), not from when the "
        "witness statement is taken as the Code asks; offers at statement are not clocked "
        "yet.",
    ),
    MeasureDefinition(
        "vrr_information_on_time",
        "Told about the Right to Review on time",
        ("vrr_information",),
        "Victims told how to ask for a review under the Victims' Right to Review scheme "
        "within 5 working days of a no-further-action decision.",
        "The rule sets clock it after every no-further-action decision, whether or not a "
        "suspect was interviewed under caution.",
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
