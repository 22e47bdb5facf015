"""Counts on staff and oversight pages carry thousands separators (one filter,
``numbers.count``); years, references and ids do not."""

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from tests.factories import force_make, staff_make
from victimcare.accounts.constants import Role
from victimcare.care import selectors
from victimcare.care.models import ComplianceSnapshot
from victimcare.care.services.compliance import _key
from victimcare.core.templatetags.numbers import count


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (12345, "12,345"),
        (1234567, "1,234,567"),
        (999, "999"),
        (0, "0"),
        (-4500, "-4,500"),
        (12345.4, "12,345"),
        ("12345", "12,345"),
        (None, None),
        ("", ""),
        ("MPS-26-000123", "MPS-26-000123"),
        (True, True),
    ],
)
def test_a_count_is_written_with_thousands_separators(value, shown):
    assert count(value) == shown


def test_an_estimate_table_writes_its_bases_with_separators():
    row = {"label": "Burglary", "estimate": {"n": 12345, "published": True, "estimate": 0.8}}
    html = render_to_string("oversight/_estimates_table.html", {"rows": [row], "caption": "x"})
    assert "12,345" in html


@pytest.mark.django_db
def test_the_compliance_page_writes_large_counts_with_separators(client):
    """Figures for a large force (a snapshot, as the worker keeps them) on the page."""
    mps = force_make("MPS")
    supervisor = staff_make(Role.SUPERVISOR, force=mps)
    filters = selectors.compliance_default_filter(force_id=mps.pk, today=timezone.localdate())
    row = {
        "code": "written_information",
        "title": "Written information",
        "due": 123456,
        "met_on_time": 100000,
        "met_late": 12345,
        "breached": 23456,
        "open": 1000,
    }
    month = {"month": "2026-11", "label": "November 2026", "due": 54321, "met_on_time": 43210}
    month.update(share=0.8, enhanced={"due": 12000, "met_on_time": 9000, "share": 0.75})
    month["standard"] = {"due": 42321, "met_on_time": 34210, "share": 0.8}
    ComplianceSnapshot.objects.create(
        key=_key(filters),
        computed_at=timezone.now(),
        payload={
            "rows": [row],
            "groups": {"enhanced": [row], "standard": []},
            "trend": [month],
            "visits": {"offered": 45678, "accepted": 34567, "done": 23456},
            "visits_by_group": {},
            "contacts": {"all": {"contacts": 87654, "several": 1234}},
            "breach_count": 0,
        },
    )
    client.force_login(supervisor)
    page = client.get("/compliance/").content.decode()
    for shown in ("123,456", "100,000", "12,345", "23,456", "54,321", "45,678", "87,654"):
        assert shown in page
    assert "November 2026" in page  # a year is no count


LARGE = 12345

# (template, context): a part of a staff page holding counts, each count 12,345.
PARTS = [
    (
        "training/_progress_table.html",
        {
            "entry": {
                "version": {"number": 2, "module": {"title": "Needs"}},
                "teams": [
                    {
                        "team": "Hackney",
                        "assigned": LARGE,
                        "completed": LARGE,
                        "overdue": LARGE,
                        "overdue_names": [],
                    }
                ],
            }
        },
    ),
    (
        "surveys/includes/rates.html",
        {
            "rates": {
                **dict.fromkeys(
                    ["issued", "completed", "refused", "non_contact", "unknown", "ineligible"],
                    LARGE,
                ),
                "rr1": 0.5,
                "rr3": 0.5,
            }
        },
    ),
    (
        "oversight/_return_cell.html",
        {
            "cell": {
                "suppressed": "",
                "numerator": LARGE,
                "denominator": LARGE,
                "rate": 0.5,
                "interval": (0.4, 0.6),
            }
        },
    ),
    (
        "oversight/_da_survey.html",
        {
            "da": {
                "note": "",
                "periods": [
                    {
                        "label": "Q3",
                        "covers": "July",
                        "stages": [
                            {
                                "label": "Whole",
                                "rate": "80%",
                                "interval": "79 to 81",
                                "estimate": {"n": LARGE},
                            }
                        ],
                    }
                ],
            }
        },
    ),
    (
        "surveys/panels/home.html",
        {"panel": {"recovery": {"open": LARGE, "overdue": LARGE}, "interviews": LARGE}},
    ),
]


@pytest.mark.parametrize(("template", "context"), PARTS, ids=[t for t, _ in PARTS])
def test_the_parts_of_staff_pages_write_counts_with_separators(template, context):
    html = render_to_string(template, context)
    assert "12,345" in html
    assert "12345" not in html
