"""An analyst asks for the report pack in Chromium, the worker builds it (its batch run,
as ``victimcare worker --batch`` does), and the status page, left open, then offers the
PDF without being reloaded."""

from __future__ import annotations

import pytest

from tests.browser.conftest import axe_violations, sign_in
from tests.factories import staff_make
from tests.oversight.factories import QUARTER, responses_make
from victimcare.accounts.constants import Role
from victimcare.core import worker as worker_module
from victimcare.oversight.models import ReportPack, ReportPackDownload, ReportPackStatus

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def mps():
    return responses_make(per_month=12, months=3, seed=4)[0]


def test_the_report_pack_is_asked_for_built_by_the_worker_and_downloaded(page, mps, monkeypatch):
    analyst = staff_make(Role.ANALYST, force=mps, username="analyst.one")
    sign_in(page, "analyst.one")
    page.goto(f"/oversight/forces/MPS/?quarter={QUARTER.code}")
    page.get_by_role("link", name="Get the report pack (PDF)").click()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Prepare the report pack").click()
    assert "Your report pack is waiting to be prepared." in page.content()
    assert page.locator("#pack-download").count() == 0
    assert axe_violations(page) == []

    monkeypatch.setattr(worker_module, "_current_worker_id", "")  # put back after the test
    worker_module.worker_run(batch=True, interval=0)  # what the worker beside the server does
    assert ReportPack.objects.get().status == ReportPackStatus.READY

    # The page, left open, checks again by itself and shows the link in place.
    page.locator("#pack-download").wait_for(timeout=30_000)
    assert "Your report pack is ready" in page.content()
    assert page.evaluate("() => document.activeElement.id") == "pack-status"
    assert axe_violations(page) == []
    with page.expect_download() as download:
        page.locator("#pack-download").click()
    path = download.value.path()
    with open(path, "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    assert download.value.suggested_filename.endswith(".pdf")
    assert list(ReportPackDownload.objects.values_list("user", flat=True)) == [analyst.pk]
