"""The compliance return's page, comparison between forces, CSV, API and command: the same
figures, scoped to the forces the user may see, and a clear refusal of a bad quarter."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from tests.factories import area_make, force_make, staff_make
from tests.oversight.test_compliance_return import QUARTER, victim_case
from victimcare.accounts.constants import Role
from victimcare.cli import main
from victimcare.oversight import compliance_return as returns

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(settings):
    settings.OPEN_DATA_THRESHOLD = 3
    mps, gmp, wmp = force_make("MPS"), force_make("GMP"), force_make("WMP")
    hackney, camden = area_make(mps, "Hackney"), area_make(mps, "Camden")
    for i in range(6):
        victim_case(force=mps, area=camden if i < 2 else hackney)
    for _ in range(4):
        victim_case(force=gmp, area=area_make(gmp, "Bolton"))
    return {"mps": mps, "gmp": gmp, "wmp": wmp}


def csv_rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


# --- pages ---------------------------------------------------------------------------------


def test_the_page_shows_n_and_interval_for_every_rate_and_too_few_where_suppressed(client, world):
    client.force_login(staff_make(Role.SUPERVISOR, force=world["mps"]))
    url = reverse("oversight:compliance-return", kwargs={"code": "MPS"})
    response = client.get(url, {"quarter": QUARTER.code})
    assert response.status_code == 200
    html = response.content.decode()
    for measure in returns.MEASURES:
        assert f'data-measure="{measure.code}"' in html
    # 6 victims, none sent written information: 0 / 6, 0.0%, Wilson 0.0% to 39.0%.
    assert "0 / 6" in html
    assert "0.0% to 39.0%" in html
    assert 'data-suppressed="primary"' in html  # Camden: 2 victims
    assert 'data-suppressed="secondary"' in html  # Hackney, else 6 - 4 gives Camden
    assert "too few" in html
    assert reverse("oversight:compliance-return-csv", kwargs={"code": "MPS"}) in html


def test_an_oversight_user_compares_the_forces_they_oversee_one_row_per_force(client, world):
    user = staff_make(Role.OVERSIGHT, force=world["mps"], oversees=[world["mps"], world["gmp"]])
    client.force_login(user)
    response = client.get(reverse("oversight:compliance-returns"), {"quarter": QUARTER.code})
    assert response.status_code == 200
    html = response.content.decode()
    table = html.split('data-measure="written_information_on_time"')[1].split("</table>")[0]
    assert 'data-force="MPS"' in table
    assert 'data-force="GMP"' in table
    assert 'data-force="WMP"' not in html
    assert "0 / 6" in table
    assert "0 / 4" in table


def test_the_comparison_csv_holds_each_forces_return_in_scope_only(client, world):
    user = staff_make(Role.OVERSIGHT, force=world["mps"], oversees=[world["mps"], world["gmp"]])
    client.force_login(user)
    response = client.get(reverse("oversight:compliance-returns-csv"), {"quarter": QUARTER.code})
    rows = csv_rows(response.content.decode())
    assert {r["force"] for r in rows} == {"MPS", "GMP"}
    assert list(rows[0]) == ["force", *returns.COLUMNS]


def test_an_oversight_user_cannot_get_a_force_they_do_not_oversee(client, world):
    client.force_login(staff_make(Role.OVERSIGHT, force=world["gmp"]))
    for name in ("oversight:compliance-return", "oversight:compliance-return-csv"):
        response = client.get(reverse(name, kwargs={"code": "MPS"}), {"quarter": QUARTER.code})
        assert response.status_code == 404
    api = client.get(reverse("api-v1:compliance-return"), {"force": "MPS"})
    assert api.status_code == 404


def test_the_page_csv_is_the_selectors_return(client, world):
    client.force_login(staff_make(Role.ADMINISTRATOR, force=world["mps"]))
    url = reverse("oversight:compliance-return-csv", kwargs={"code": "MPS"})
    response = client.get(url, {"quarter": QUARTER.code})
    assert response["Content-Type"].startswith("text/csv")
    rows = csv_rows(response.content.decode())
    expected = returns.compliance_return(force=world["mps"], quarter=QUARTER).rows()
    assert [r["suppressed"] for r in rows] == [e["suppressed"] for e in expected]
    assert [r["denominator"] for r in rows] == [str(e["denominator"]) for e in expected]


@pytest.mark.parametrize("name", ["oversight:compliance-return", "oversight:compliance-returns"])
def test_a_bad_quarter_on_a_page_is_a_400_that_says_what_was_expected(client, world, name):
    client.force_login(staff_make(Role.OVERSIGHT, force=world["mps"]))
    kwargs = {"code": "MPS"} if name == "oversight:compliance-return" else {}
    response = client.get(reverse(name, kwargs=kwargs), {"quarter": "2026Q5"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert "a quarter such as 2026Q3" in html


# --- API -----------------------------------------------------------------------------------


def test_the_api_gives_the_same_rows_as_the_selector(client, world):
    client.force_login(staff_make(Role.SUPERVISOR, force=world["mps"]))
    response = client.get(
        reverse("api-v1:compliance-return"), {"force": "mps", "quarter": QUARTER.code}
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["force"], body["quarter"]) == ("MPS", QUARTER.code)
    assert (body["quarter_start"], body["quarter_end"]) == ("2026-07-01", "2026-09-30")
    expected = returns.compliance_return(force=world["mps"], quarter=QUARTER).rows()
    assert len(body["rows"]) == len(expected)
    first = body["rows"][0]
    assert (first["measure"], first["breakdown"], first["numerator"], first["denominator"]) == (
        "written_information_on_time",
        "all",
        0,
        6,
    )
    hidden = [r for r in body["rows"] if r["suppressed"]]
    assert hidden
    assert all(r["denominator"] is None and r["rate"] is None for r in hidden)


@pytest.mark.parametrize("quarter", ["2026Q5", "Q3 2026", "2026-13", "next"])
def test_the_api_answers_a_bad_quarter_with_422(client, world, quarter):
    client.force_login(staff_make(Role.SUPERVISOR, force=world["mps"]))
    response = client.get(reverse("api-v1:compliance-return"), {"quarter": quarter})
    assert response.status_code == 422
    assert "a quarter such as 2026Q3" in response.json()["detail"]


def test_the_api_asks_which_force_when_the_caller_sees_several(client, world):
    user = staff_make(Role.OVERSIGHT, force=world["mps"], oversees=[world["mps"], world["gmp"]])
    client.force_login(user)
    response = client.get(reverse("api-v1:compliance-return"), {"quarter": QUARTER.code})
    assert response.status_code == 422
    assert "?force=CODE" in response.json()["detail"]
    chosen = client.get(reverse("api-v1:compliance-return"), {"force": "GMP"})
    assert chosen.status_code == 200
    assert chosen.json()["force"] == "GMP"


def test_the_api_refuses_roles_without_the_return(client, world):
    client.force_login(staff_make(Role.ANALYST, force=world["mps"]))
    assert client.get(reverse("api-v1:compliance-return")).status_code == 403


# --- command -------------------------------------------------------------------------------


def test_the_command_writes_return_csv_and_readme(tmp_path, world):
    out = tmp_path / "vpa"
    code = main(
        ["compliance-return", "--force", "MPS", "--quarter", QUARTER.code, "--out", str(out)]
    )
    assert code == 0
    rows = csv_rows((out / "return.csv").read_text())
    assert list(rows[0]) == list(returns.COLUMNS)
    assert {r["measure"] for r in rows} == {m.code for m in returns.MEASURES}
    assert {r["breakdown"] for r in rows} == set(returns.BREAKDOWNS)
    headline = next(r for r in rows if r["measure"] == "written_information_on_time")
    assert (headline["numerator"], headline["denominator"]) == ("0", "6")
    readme = (out / "README.txt").read_text()
    assert "01 July 2026 to 30 September 2026" in readme
    assert "fewer than 3 victims" in readme


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--force", "MPS", "--quarter", "2026Q9"], "a quarter such as 2026Q3, not '2026Q9'"),
        (["--force", "NOPE", "--quarter", "2026Q3"], "no force with code 'NOPE'"),
        (["--force", "MPS,GMP", "--quarter", "2026Q3"], "exactly one force"),
    ],
)
def test_command_errors_are_one_line_and_exit_2(capsys, tmp_path, world, args, message):
    assert main(["compliance-return", *args, "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1
    assert not (tmp_path / "x").exists()
