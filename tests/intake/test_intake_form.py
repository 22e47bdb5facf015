"""The report form's questions: the force found from the postcode (the radios when it is not
known), crime types grouped in the victim's words with something else, the optional hate
element, the date asked before the time, and dates shown as '1 December 2026'."""

import pytest
from django.urls import reverse

from tests.factories import force_make
from tests.intake.factories import answers_make, reporting_world
from victimcare.forces.constants import SurveyGroup
from victimcare.forces.models import CrimeType, Force, PostcodeDistrict
from victimcare.forces.services import reference_data_load
from victimcare.intake.forms import CrimeTypeForm, WhenForm, crime_type_choices
from victimcare.intake.models import ReportDraft
from victimcare.intake.services import report_build

pytestmark = pytest.mark.django_db


def step_url(slug: str) -> str:
    return reverse("intake:report-step", kwargs={"step": slug})


def start_without_force(client):
    return client.post(reverse("intake:report-start"))


def two_forces():
    force = reporting_world()
    gmp = force_make("GMP", "Greater Manchester Police")
    PostcodeDistrict.objects.create(prefix="M", force=gmp)
    PostcodeDistrict.objects.create(prefix="SW", force=force)
    return force, gmp


# --- the force from the postcode -----------------------------------------------------------

POSTCODE_FINDS_FORCE = [
    ("M1 1AE", "postcode-found", "GMP"),
    ("m11ae", "postcode-found", "GMP"),
    ("M1", "postcode-found", "GMP"),  # the first half is enough
    ("SW1A 2AA", "postcode-found", "MPS"),
    ("ZE1 0AA", "force", None),  # not known: the radios
    ("", "force", None),  # not given: the radios
]


@pytest.mark.parametrize(("postcode", "next_step", "force"), POSTCODE_FINDS_FORCE)
def test_the_force_is_found_from_the_postcode_else_the_radios(client, postcode, next_step, force):
    two_forces()
    assert start_without_force(client)["Location"] == step_url("postcode")
    response = client.post(step_url("postcode"), {"crime_postcode": postcode})
    draft = ReportDraft.objects.get()
    if next_step == "force":
        assert response["Location"] == step_url("force")
        assert draft.force is None
        page = client.get(step_url("force")).content.decode()
        assert "Greater Manchester Police" in page  # the radios
    else:
        assert response["Location"] == step_url("what")  # the force question is skipped
        assert draft.force.code == force
        page = client.get(step_url("what")).content.decode()
        assert f"We will send your report to {draft.force.name}" in page


def test_a_postcode_that_is_not_one_is_a_form_error(client):
    two_forces()
    start_without_force(client)
    response = client.post(step_url("postcode"), {"crime_postcode": "nowhere"})
    assert response.status_code == 200
    assert "Enter a real postcode, like SW1A 2AA, or leave it blank" in response.content.decode()
    assert ReportDraft.objects.get().force is None


def test_the_check_page_shows_the_force_the_postcode_found(client):
    two_forces()
    start_without_force(client)
    client.post(step_url("postcode"), {"crime_postcode": "M1 1AE"})
    page = client.get(reverse("intake:report-check")).content.decode()
    assert "Greater Manchester Police" in page
    assert "M1 1AE" in page


def test_a_preset_force_asks_neither_postcode_nor_force(client):
    two_forces()
    response = client.post(reverse("intake:report-start") + "?force=MPS", {"force": "MPS"})
    assert response["Location"] == step_url("what")


POSTCODE_TO_FORCE = [
    ("M1 1AE", "GMP"),
    ("BL1 1AA", "GMP"),
    ("SK1 3XE", "GMP"),
    ("SK10 1AA", "CHESH"),  # the district wins over its area
    ("B1 1BB", "WMP"),
    ("B98 0AA", "WMERC"),
    ("CV1 5FB", "WMP"),
    ("CV37 6AA", "WARKS"),
    ("SW1A 2AA", "MPS"),
    ("E1 6AN", "MPS"),
    ("EC2V 7HH", "COLP"),
    ("EC1V 2NX", "MPS"),
    ("ZE1 0AA", None),  # Shetland: not England and Wales
    ("", None),
]


@pytest.mark.parametrize(("postcode", "force"), POSTCODE_TO_FORCE)
def test_postcode_to_force_from_the_reference_data(postcode, force):
    from victimcare.forces.selectors import force_for_postcode

    reference_data_load()
    found = force_for_postcode(postcode)
    assert (found.code if found else None) == force


def test_every_force_has_postcodes_and_the_file_says_it_is_illustrative():
    from victimcare.forces.services import POSTCODE_DISTRICTS_FILE

    reference_data_load()
    assert not Force.objects.filter(postcode_districts__isnull=True).exists()
    assert "ILLUSTRATIVE" in POSTCODE_DISTRICTS_FILE.read_text(encoding="utf-8")
    reference_data_load()  # a second load changes nothing
    assert PostcodeDistrict.objects.filter(prefix="SK10").get().force.code == "CHESH"


# --- crime types grouped in the victim's words ---------------------------------------------


def test_crime_types_are_grouped_and_sorted_by_the_victims_words_with_something_else_last():
    reference_data_load()
    choices = crime_type_choices(CrimeType.objects.all())
    groups = [words for words, _members in choices]
    assert groups[-1] == ""  # the ungrouped: after "or"
    assert groups[:-1] == sorted(groups[:-1], key=str.casefold)
    assert {"Someone hurt or threatened me", "Something was stolen"} <= set(groups)
    for _words, members in choices:
        labels = [label for _code, label in members]
        assert labels == sorted(labels, key=str.casefold)
    assert dict(choices)[""] == [("other-crime", "Something else")]


def test_the_crime_question_shows_the_groups_then_or_something_else(client):
    reference_data_load()
    client.post(reverse("intake:report-start") + "?force=MPS", {"force": "MPS"})
    page = client.get(step_url("what")).content.decode()
    hurt, stolen = page.index("Someone hurt or threatened me"), page.index("Something was stolen")
    divider, other = page.index('govuk-radios__divider">or<'), page.index("Something else")
    assert hurt < stolen < divider < other
    assert 'id="id_crime_type"' in page  # the first radio, for the error summary's link


def test_a_crime_type_is_valid_whichever_group_it_is_in():
    reference_data_load()
    for code in ("fraud", "other-crime", "domestic-abuse"):
        assert CrimeTypeForm(data={"crime_type": code}).is_valid(), code
    assert not CrimeTypeForm(data={"crime_type": "Something was stolen"}).is_valid()


# --- the hate element ----------------------------------------------------------------------

HATE_ELEMENT_REACHES_THE_REPORT = [("yes", True), ("no", False), ("", False)]


@pytest.mark.parametrize(("answer", "hate_element"), HATE_ELEMENT_REACHES_THE_REPORT)
def test_the_hate_element_reaches_the_report(answer, hate_element):
    """``Report.hate_element`` is what the case stores (``Case.hate_element``), and what makes
    the victim's a most serious crime (cases.grounds)."""
    force = reporting_world()
    report = report_build(force=force, answers=answers_make(hate_element=answer))
    assert report.hate_element is hate_element


def test_the_hate_question_is_asked_online_after_what_happened(client):
    reporting_world()
    client.post(reverse("intake:report-start") + "?force=MPS", {"force": "MPS"})
    response = client.post(step_url("what"), {"crime_type": "domestic-burglary"})
    assert response["Location"] == step_url("hate")
    page = client.get(step_url("hate")).content.decode()
    assert "because of who you are, for example your race, religion, sexuality" in page
    assert client.post(step_url("hate"), {})["Location"] == step_url("details")  # optional
    assert client.post(step_url("hate"), {"hate_element": "maybe"}).status_code == 200


# --- date before time; dates as people write them ------------------------------------------


def test_the_date_is_asked_before_the_time(client):
    assert list(WhenForm().fields)[:4] == [
        "occurred_on_day",
        "occurred_on_month",
        "occurred_on_year",
        "occurred_time",
    ]
    reporting_world()
    client.post(reverse("intake:report-start") + "?force=MPS", {"force": "MPS"})
    page = client.get(step_url("when")).content.decode()
    assert page.index('name="occurred_on_day"') < page.index('name="occurred_time"')


def test_the_check_page_shows_dates_as_1_december_2026(client):
    reporting_world()
    client.post(reverse("intake:report-start") + "?force=MPS", {"force": "MPS"})
    client.post(
        step_url("when"),
        {"occurred_on_day": "1", "occurred_on_month": "9", "occurred_on_year": "2026"},
    )
    client.post(
        step_url("about-you"),
        {
            "given_name": "Ada",
            "family_name": "Testperson",
            "date_of_birth_day": "31",
            "date_of_birth_month": "3",
            "date_of_birth_year": "1980",
        },
    )
    page = client.get(reverse("intake:report-check")).content.decode()
    assert "1 September 2026" in page
    assert "31 March 1980" in page
    assert "2026-09-01" not in page
    assert "1980-03-31" not in page


def test_a_crime_type_without_a_group_is_offered_as_something_else():
    CrimeType.objects.create(
        code="new-crime", name="New", plain_name="A new crime", survey_group=SurveyGroup.OTHER
    )
    assert crime_type_choices(CrimeType.objects.all()) == [("", [("new-crime", "A new crime")])]


def test_every_crime_type_of_the_reference_data_has_a_report_group_row():
    from victimcare.forces.services import reference_data, report_groups

    groups = report_groups()
    codes = {entry["code"] for entry in reference_data()["crime_types"]}
    assert codes <= set(groups)
    assert [code for code in codes if not groups[code][0]] == ["other-crime"]
    assert groups["sexual-offence"] == ("Someone hurt or threatened me", True)
