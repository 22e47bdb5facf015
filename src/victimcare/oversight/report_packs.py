"""Report packs built in the background: asked for on the web, built by the worker
(WeasyPrint takes seconds to minutes), downloaded when ready with each download
recorded. The writes of the report packs; the PDF itself is drawn by ``report``."""

from __future__ import annotations

import logging

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django_tasks import task

from victimcare.accounts.models import User
from victimcare.oversight import selectors
from victimcare.oversight.models import ReportPack, ReportPackDownload, ReportPackStatus
from victimcare.oversight.periods import Quarter
from victimcare.oversight.report import report_pack_pdf

logger = logging.getLogger(__name__)

IN_PROGRESS = (ReportPackStatus.QUEUED, ReportPackStatus.BUILDING)


@transaction.atomic
def report_pack_request(*, user: User, code: str, quarter: Quarter) -> ReportPack:
    """Ask for ``quarter``'s report pack of the force ``code`` (in the user's scope): one
    already being prepared is reused, else a new one is queued for the worker."""
    force = selectors.oversight_force_get(user=user, code=code)
    pending = (
        ReportPack.objects.filter(force=force, quarter=quarter.code, status__in=IN_PROGRESS)
        .order_by("-requested_at")
        .first()
    )
    if pending is not None:
        return pending
    pack = ReportPack(
        force=force, quarter=quarter.code, requested_by=user, requested_at=timezone.now()
    )
    pack.full_clean(exclude=["pdf"])
    pack.save()
    transaction.on_commit(lambda: report_pack_build_task.enqueue(pack.pk))
    return pack


def report_pack_get(*, user: User, pk: int) -> ReportPack:
    """A report pack of a force in the user's scope (404 otherwise)."""
    pack = ReportPack.objects.select_related("force").filter(pk=pk).first()
    if pack is None:
        raise Http404("No such report pack")
    selectors.oversight_force_get(user=user, code=pack.force.code)
    return pack


def report_pack_build(*, pk: int) -> str:
    """Build a queued pack's PDF (the worker's task): ready with the file, or failed with
    a one-line reason."""
    with transaction.atomic():
        pack = ReportPack.objects.select_for_update().select_related("force").get(pk=pk)
        if pack.status not in IN_PROGRESS:
            return pack.status
        pack.status = ReportPackStatus.BUILDING
        pack.save(update_fields=["status"])
    try:
        pdf = report_pack_pdf(force=pack.force, quarter=Quarter.parse(pack.quarter))
    except Exception as error:
        logger.exception("report pack %s failed", pk)
        pack.status = ReportPackStatus.FAILED
        pack.failure = (f"{type(error).__name__}: {error}".splitlines() or [""])[0][:300]
        pack.finished_at = timezone.now()
        pack.save(update_fields=["status", "failure", "finished_at"])
        return pack.status
    pack.pdf = pdf
    pack.status = ReportPackStatus.READY
    pack.finished_at = timezone.now()
    pack.save(update_fields=["pdf", "status", "finished_at"])
    return pack.status


@transaction.atomic
def report_pack_download(*, user: User, pack: ReportPack) -> bytes:
    """The ready pack's PDF, recording who downloaded it."""
    if pack.status != ReportPackStatus.READY or pack.pdf is None:
        raise Http404("The report pack is not ready")
    ReportPackDownload.objects.create(pack=pack, user=user, at=timezone.now())
    return bytes(pack.pdf)


@task()
def report_pack_build_task(pk: int) -> str:
    """Build a report pack asked for on the web (``victimcare worker`` runs it)."""
    return report_pack_build(pk=pk)
