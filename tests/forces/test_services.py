import pytest

from victimcare.forces.constants import AreaKind, SurveyGroup
from victimcare.forces.models import Area, CrimeType, Force, PeerList
from victimcare.forces.services import reference_data_load

pytestmark = pytest.mark.django_db

GMP_DISTRICTS = {
    "Bolton", "Bury", "Manchester", "Oldham", "Rochdale",
    "Salford", "Stockport", "Tameside", "Trafford", "Wigan",
}  # fmt: skip
WMP_AREAS = {
    "Birmingham East", "Birmingham West", "Coventry", "Dudley",
    "Sandwell", "Solihull", "Walsall", "Wolverhampton",
}  # fmt: skip


def test_loads_the_43_forces_of_england_and_wales():
    """The 43 territorial forces, the Met, GMP, WMP and City of London among them."""
    reference_data_load()
    assert Force.objects.count() == 43
    codes = set(Force.objects.values_list("code", flat=True))
    assert {"MPS", "GMP", "WMP", "WYP", "MERPOL", "COLP"} <= codes
    assert Force.objects.get(code="MPS").name == "Metropolitan Police Service"


def test_the_met_has_its_32_boroughs_and_gmp_wmp_their_areas():
    reference_data_load()
    met = Area.objects.filter(force__code="MPS")
    assert met.count() == 32
    assert set(met.values_list("kind", flat=True)) == {AreaKind.BOROUGH}
    assert {"Hackney", "Enfield", "Tower Hamlets", "Westminster"} <= set(
        met.values_list("name", flat=True)
    )
    assert set(Area.objects.filter(force__code="GMP").values_list("name", flat=True)) == (
        GMP_DISTRICTS
    )
    assert set(Area.objects.filter(force__code="WMP").values_list("name", flat=True)) == WMP_AREAS


def test_every_force_has_areas():
    reference_data_load()
    assert not Force.objects.filter(areas__isnull=True).exists()


def test_the_met_is_compared_with_greater_manchester_and_west_midlands():
    reference_data_load()
    peer_list = Force.objects.get(code="MPS").peer_list
    assert peer_list.name == "Most similar: large metropolitan forces"
    assert {"GMP", "WMP", "WYP", "MERPOL"} == set(peer_list.peers.values_list("code", flat=True))
    # City of London Police has no most similar forces; every other force has a list.
    assert set(Force.objects.filter(peer_list__isnull=True).values_list("code", flat=True)) == {
        "COLP"
    }


def test_crime_types_carry_what_the_survey_and_the_code_need():
    reference_data_load()
    surveyed = CrimeType.objects.filter(is_surveyed=True)
    assert set(surveyed.values_list("survey_group", flat=True)) == {
        SurveyGroup.BURGLARY,
        SurveyGroup.VIOLENCE,
        SurveyGroup.VEHICLE,
        SurveyGroup.HATE,
    }
    assert not CrimeType.objects.filter(survey_group=SurveyGroup.OTHER, is_surveyed=True).exists()
    assert CrimeType.objects.get(code="domestic-burglary").plain_name == (
        "Someone broke into my home"
    )
    domestic_abuse = CrimeType.objects.get(code="domestic-abuse")
    assert domestic_abuse.is_domestic_abuse
    assert domestic_abuse.referral_needs_consent
    assert not domestic_abuse.is_surveyed
    assert set(
        CrimeType.objects.filter(referral_needs_consent=True).values_list("code", flat=True)
    ) == {"sexual-offence", "domestic-abuse", "homicide-bereaved"}
    assert CrimeType.objects.filter(survey_group=SurveyGroup.HATE).count() == 5


def test_loading_twice_changes_nothing():
    reference_data_load()
    before = (
        Force.objects.count(),
        Area.objects.count(),
        PeerList.objects.count(),
        CrimeType.objects.count(),
        list(Area.objects.order_by("pk").values_list("pk", "force_id", "code", "name")),
    )
    reference_data_load()
    after = (
        Force.objects.count(),
        Area.objects.count(),
        PeerList.objects.count(),
        CrimeType.objects.count(),
        list(Area.objects.order_by("pk").values_list("pk", "force_id", "code", "name")),
    )
    assert before == after


def test_loading_repairs_an_edited_row():
    reference_data_load()
    Force.objects.filter(code="MPS").update(name="Wrong")
    PeerList.objects.filter(force__code="MPS").delete()
    reference_data_load()
    met = Force.objects.get(code="MPS")
    assert met.name == "Metropolitan Police Service"
    assert PeerList.objects.filter(force=met).exists()
