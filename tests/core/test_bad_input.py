"""Bad input gets a 4xx, never a 500: every URL of the security findings, as a table, is
answered 400 with a GOV.UK error summary (or 404 for something that is not there), and
random text in the period parameters never causes a server error."""

from datetime import date

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import force_make, staff_make
from victimcare.accounts.constants import Role
from victimcare.core.periods import YEAR_MIN, PeriodError, date_check, year_check, year_max

pytestmark = pytest.mark.django_db

ERROR_SUMMARY = "govuk-error-summary"

# (why, role, url, status): the findings first, then their neighbours.
FINDINGS = [
    ("compliance ending in year 1", Role.SUPERVISOR, "/compliance/?end=0001-01-01", 400),
    (
        "compliance CSV over years 1 to 9999",
        Role.SUPERVISOR,
        "/compliance.csv?start=0001-01-01&end=9999-12-31",
        400,
    ),
    ("compliance starting in year 9999", Role.SUPERVISOR, "/compliance/?start=9999-12-31", 400),
    (
        "compliance ending before it starts",
        Role.SUPERVISOR,
        "/compliance/?start=2026-02-01&end=2026-01-01",
        400,
    ),
    ("dashboard of quarter 0001Q1", Role.SUPERVISOR, "/oversight/forces/MPS/?quarter=0001Q1", 400),
    ("dashboard of quarter 9999Q4", Role.SUPERVISOR, "/oversight/forces/MPS/?quarter=9999Q4", 400),
    ("dashboard of no quarter at all", Role.SUPERVISOR, "/oversight/forces/MPS/?quarter=soon", 400),
    (
        "peers of quarter 0001Q1",
        Role.SUPERVISOR,
        "/oversight/forces/MPS/peers/?quarter=0001Q1",
        400,
    ),
    (
        "drivers of quarter 9999Q4",
        Role.SUPERVISOR,
        "/oversight/forces/MPS/drivers/?quarter=9999Q4",
        400,
    ),
    (
        "targets of quarter 0001Q1",
        Role.SUPERVISOR,
        "/oversight/forces/MPS/targets/?quarter=0001Q1",
        400,
    ),
    (
        "report pack of quarter 0001Q1",
        Role.SUPERVISOR,
        "/oversight/forces/MPS/report-pack/?quarter=0001Q1",
        400,
    ),
    (
        "report pack of quarter 9999Q4",
        Role.SUPERVISOR,
        "/oversight/forces/MPS/report-pack/?quarter=9999Q4",
        400,
    ),
    (
        "open data of quarter 9999Q4",
        Role.SUPERVISOR,
        "/oversight/forces/MPS/open-data.csv?quarter=9999Q4",
        400,
    ),
    (
        "survey microdata from year 1 to 9999",
        Role.ANALYST,
        "/surveys/responses/microdata.csv?from=0001-01&to=9999-12",
        400,
    ),
    (
        "survey microdata with its months the wrong way round",
        Role.ANALYST,
        "/surveys/responses/microdata.csv?from=2026-06&to=2026-01",
        400,
    ),
    (
        "an area id too long for the database",
        Role.SUPERVISOR,
        "/oversight/forces/MPS/?area=99999999999999999999999",
        404,
    ),
]


@pytest.fixture
def mps():
    return force_make("MPS", "Metropolitan Police Service")


@pytest.mark.parametrize(("why", "role", "url", "status"), FINDINGS, ids=[f[0] for f in FINDINGS])
def test_an_out_of_range_period_is_a_4xx_with_an_error_summary_never_a_500(
    client, mps, why, role, url, status
):
    client.force_login(staff_make(role, force=mps))
    response = client.get(url)
    assert response.status_code == status, why
    if status == 400:
        assert response["Content-Type"].startswith("text/html")
        assert ERROR_SUMMARY in response.content.decode()


def test_the_error_summary_says_which_years_are_accepted(client, mps):
    client.force_login(staff_make(Role.SUPERVISOR, force=mps))
    page = client.get("/oversight/forces/MPS/?quarter=0001Q1").content.decode()
    assert f"between {YEAR_MIN} and {year_max()}" in page
    page = client.get("/compliance/?end=0001-01-01").content.decode()
    assert f"between 1/1/{YEAR_MIN} and 31/12/{year_max()}" in page


@pytest.mark.parametrize(
    ("role", "url"),
    [
        (Role.SUPERVISOR, "/compliance/?start=2026-01-01&end=2026-03-31"),
        (Role.SUPERVISOR, "/oversight/forces/MPS/?quarter=2026Q1"),
        (Role.ANALYST, "/surveys/responses/microdata.csv?from=2026-01&to=2026-03"),
    ],
)
def test_a_period_in_range_is_still_shown(client, mps, role, url):
    client.force_login(staff_make(role, force=mps))
    assert client.get(url).status_code == 200


RANDOM_TEXT = st.text(max_size=30)
HYPOTHESIS = settings(
    max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)


@pytest.mark.parametrize(
    ("role", "path", "names"),
    [
        (Role.SUPERVISOR, "/compliance/", ("start", "end")),
        (Role.SUPERVISOR, "/compliance.csv", ("start", "end")),
        (Role.SUPERVISOR, "/oversight/forces/MPS/", ("quarter", "area")),
        (Role.SUPERVISOR, "/oversight/forces/MPS/peers/", ("quarter", "measure", "scope")),
        (Role.SUPERVISOR, "/oversight/forces/MPS/report-pack/", ("quarter",)),
        (Role.ANALYST, "/surveys/responses/microdata.csv", ("from", "to")),
    ],
)
def test_random_text_in_a_period_parameter_never_causes_a_server_error(
    client, mps, role, path, names
):
    client.force_login(staff_make(role, force=mps))

    @HYPOTHESIS
    @given(values=st.lists(RANDOM_TEXT, min_size=len(names), max_size=len(names)))
    def ask(values):
        response = client.get(path, dict(zip(names, values, strict=True)))
        assert response.status_code < 500, (path, values)

    ask()


# --- the shared checks --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "accepted"),
    [(1, False), (YEAR_MIN - 1, False), (YEAR_MIN, True), (2026, True), (9999, False)],
)
def test_years_run_from_2000_to_next_year(year, accepted):
    if accepted:
        year_check(year)
    else:
        with pytest.raises(PeriodError, match=f"between {YEAR_MIN} and"):
            year_check(year)


def test_next_year_is_the_last_accepted():
    next_year = timezone.localdate().year + 1
    assert date_check(date(next_year, 12, 31)) == date(next_year, 12, 31)
    with pytest.raises(PeriodError):
        date_check(date(next_year + 1, 1, 1))


@pytest.mark.parametrize("deadline", ["0001-01-01", "9999-12-31"])
def test_a_target_deadline_out_of_range_is_a_form_error(client, mps, deadline):
    from victimcare.oversight.models import Target

    client.force_login(staff_make(Role.OVERSIGHT, force=mps))
    response = client.post(
        "/oversight/forces/MPS/targets/new/",
        {
            "measure": "whole_experience",
            "kind": "level",
            "value": "80",
            "scope": "force",
            "deadline": deadline,
            "baseline_quarter": "2026Q1",
        },
    )
    assert response.status_code == 200
    assert ERROR_SUMMARY in response.text
    assert f"between 1/1/{YEAR_MIN} and 31/12/{year_max()}" in response.text
    assert not Target.objects.exists()
