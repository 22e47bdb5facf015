"""Report packs are built in the background: asked for on the web, queued for the
worker, built by it, then a download link; each download recorded; a failure shown with
its reason."""

import pytest
from django_tasks_db.models import DBTaskResult

from tests.factories import staff_make
from tests.oversight.factories import responses_make
from victimcare.accounts.constants import Role
from victimcare.oversight import report_packs
from victimcare.oversight.models import ReportPack, ReportPackDownload, ReportPackStatus

pytestmark = pytest.mark.django_db(transaction=True)

QUARTER = "2026Q3"


@pytest.fixture
def analyst():
    mps = responses_make(per_month=12, months=3)[0]
    return staff_make(Role.ANALYST, force=mps)


def queued_packs() -> list[int]:
    return [
        row.args_kwargs["args"][0]
        for row in DBTaskResult.objects.filter(
            task_path=report_packs.report_pack_build_task.module_path
        )
    ]


def test_a_pack_is_queued_built_by_the_worker_then_downloaded(client, analyst):
    client.force_login(analyst)
    asked = client.get(f"/oversight/forces/MPS/report-pack/?quarter={QUARTER}")
    assert asked.status_code == 200
    assert 'id="prepare"' in asked.content.decode()
    posted = client.post(f"/oversight/forces/MPS/report-pack/?quarter={QUARTER}")
    pack = ReportPack.objects.get()
    assert posted.status_code == 302
    assert posted["Location"] == f"/oversight/report-packs/{pack.pk}/"
    assert queued_packs() == [pack.pk]  # the job is on the queue, nothing built yet
    waiting = client.get(posted["Location"]).content.decode()
    assert 'role="status"' in waiting
    assert "Your report pack is waiting to be prepared." in waiting
    assert 'data-poll-seconds="5"' in waiting  # checked again in place, never reloaded
    assert 'http-equiv="refresh"' not in waiting  # (a reload under the reader: WCAG 2.2.1)
    assert "pack-download" not in waiting
    # Asked for again while waiting: the same pack, not a second job.
    client.post(f"/oversight/forces/MPS/report-pack/?quarter={QUARTER}")
    assert ReportPack.objects.count() == 1

    assert report_packs.report_pack_build(pk=pack.pk) == ReportPackStatus.READY  # the worker
    ready = client.get(posted["Location"]).content.decode()
    assert "Your report pack is ready" in ready
    assert "data-poll-seconds" not in ready
    link = f'href="/oversight/report-packs/{pack.pk}/report-pack.pdf"'
    assert link in ready
    pdf = client.get(f"/oversight/report-packs/{pack.pk}/report-pack.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert list(ReportPackDownload.objects.values_list("user", flat=True)) == [analyst.pk]


def test_a_failure_is_shown_with_its_reason(client, analyst, monkeypatch):
    client.force_login(analyst)
    client.post(f"/oversight/forces/MPS/report-pack/?quarter={QUARTER}")
    pack = ReportPack.objects.get()

    def broken(**kwargs):
        raise OSError("no fonts found for the PDF")

    monkeypatch.setattr(report_packs, "report_pack_pdf", broken)
    assert report_packs.report_pack_build(pk=pack.pk) == ReportPackStatus.FAILED
    page = client.get(f"/oversight/report-packs/{pack.pk}/").content.decode()
    assert "The report pack could not be prepared" in page
    assert "Reason: OSError: no fonts found for the PDF" in page
    assert client.get(f"/oversight/report-packs/{pack.pk}/report-pack.pdf").status_code == 404
    assert not ReportPackDownload.objects.exists()


def test_another_forces_pack_is_not_found(client, analyst):
    from tests.factories import force_make

    other = staff_make(Role.ANALYST, force=force_make("GMP"))
    client.force_login(analyst)
    client.post(f"/oversight/forces/MPS/report-pack/?quarter={QUARTER}")
    pack = ReportPack.objects.get()
    client.force_login(other)
    assert client.get(f"/oversight/report-packs/{pack.pk}/").status_code == 404
