"""The survey agency: contact exports to it (audited), and its results imported."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from victimcare.accounts.constants import AuditAction
from victimcare.accounts.models import User
from victimcare.audit.services import audit_record_create
from victimcare.cases.models import Victim
from victimcare.core.csv_export import csv_dict_writer
from victimcare.core.timezones import LONDON
from victimcare.forces.models import Force
from victimcare.surveys.constants import (
    ANSWER_CODES,
    Answer,
    Mode,
    Outcome,
)
from victimcare.surveys.models import (
    Sample,
    SampleMember,
)
from victimcare.surveys.questionnaire import (
    YES_NO,
    answer_clean,
    questions_of,
)
from victimcare.surveys.selectors.exports import (
    INVITATION_EXPORT_COLUMNS,
    agency_export_rows,
    contact_export_allowed,
    invitation_export_rows,
)
from victimcare.surveys.services.invitations import survey_link
from victimcare.surveys.services.responses import response_record

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

AGENCY_EXPORT_COLUMNS = (
    "serial",
    "given_name",
    "family_name",
    "phone",
    "times_to_avoid",
    "crime_group",
    "reported_on",
)


class ContactExportRefused(PermissionError):
    """The staff member may not export these victims' contact details; says why."""


class ContactExport:
    """The exports of victims' contact details, by the name their audit records carry."""

    AGENCY = "agency sample"
    INVITATIONS = "survey invitations"


def _contact_export_audit(
    *, sample: Sample, by: User, export: str, via: str, victims: Iterable[Victim]
) -> None:
    """One audit record per victim whose details went out, naming the export."""
    page = f"{export} export, {sample.force.code} {sample.month:%Y-%m} sample {sample.pk} ({via})"
    seen: set[int] = set()
    for victim in victims:
        if victim.pk not in seen:
            seen.add(victim.pk)
            audit_record_create(user=by, victim=victim, page=page[:200], action=AuditAction.EXPORT)


def _contact_export_check(*, sample: Sample, by: User) -> None:
    if not contact_export_allowed(user=by, force=sample.force):
        raise ContactExportRefused(
            f"{by.username} may not export victims' contact details of {sample.force.code} "
            "(only its supervisors and administrators may)"
        )


def _contact_export_write(
    *,
    sample: Sample,
    by: User,
    file: SupportsWrite[str],
    rows: list[tuple[Victim, dict[str, Any]]],
    columns: tuple[str, ...],
    export: str,
    via: str,
) -> int:
    """Write ``rows`` (pairs of victim and CSV row) to ``file`` through the safe CSV
    writer, then audit each victim exported to ``by``. Returns the number of rows."""
    writer = csv_dict_writer(file, fieldnames=columns)
    writer.writeheader()
    writer.writerows(row for _victim, row in rows)
    _contact_export_audit(
        sample=sample, by=by, export=export, via=via, victims=(victim for victim, _row in rows)
    )
    return len(rows)


@transaction.atomic
def agency_sample_export(*, sample: Sample, by: User, file: SupportsWrite[str], via: str) -> int:
    """Write the victims ``sample`` issued to a telephone agency to ``file`` as CSV (only
    what the agency needs), and audit each victim exported to ``by``; ``via`` says where
    from (the page or the command). Returns the number of rows.

    Raises ContactExportRefused unless ``by`` may export the force's contact details."""
    _contact_export_check(sample=sample, by=by)
    return _contact_export_write(
        sample=sample,
        by=by,
        file=file,
        rows=agency_export_rows(sample=sample),
        columns=AGENCY_EXPORT_COLUMNS,
        export=ContactExport.AGENCY,
        via=via,
    )


@transaction.atomic
def invitations_export(
    *, sample: Sample, by: User, file: SupportsWrite[str], base_url: str, via: str
) -> int:
    """Write the sample's invitations and reminders still to send (contact details and
    live survey links) to ``file`` as CSV, and audit each victim exported to ``by``.
    Returns the number of rows.

    Raises ContactExportRefused unless ``by`` may export the force's contact details."""
    _contact_export_check(sample=sample, by=by)
    return _contact_export_write(
        sample=sample,
        by=by,
        file=file,
        rows=invitation_export_rows(sample=sample, base_url=base_url, link_for=survey_link),
        columns=INVITATION_EXPORT_COLUMNS,
        export=ContactExport.INVITATIONS,
        via=via,
    )


AGENCY_IMPORT_OUTCOMES: dict[str, str] = {
    "completed": Outcome.COMPLETED,
    "refused": Outcome.REFUSED,
    "non_contact": Outcome.NON_CONTACT,
    "wrong_number": Outcome.UNKNOWN_ELIGIBILITY,
    "ineligible": Outcome.INELIGIBLE,
}


@dataclass
class ImportResult:
    imported: int = 0
    rejected: list[tuple[int, str, list[str]]] = field(default_factory=list)  # line, serial, why
    applied: bool = True

    @property
    def ok(self) -> bool:
        return not self.rejected


def _agency_answer(value: str) -> str:
    value = (value or "").strip().lower()
    if value in ANSWER_CODES:
        return ANSWER_CODES[value]
    if value in Answer.values:
        return value
    raise ValueError(f"{value!r} is not an answer (1 to 9, or a code such as very_satisfied)")


def _parse_when(text: str) -> datetime | None:
    text = (text or "").strip()
    if not text:
        return None
    moment = parse_datetime(text)
    if moment is None:
        day = parse_date(text)
        if day is None:
            raise ValueError(f"{text!r} is not a date (YYYY-MM-DD) or date and time")
        moment = datetime.combine(day, time(12), LONDON)
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=LONDON)
    return moment


def agency_import(
    *,
    text: str,
    forces: Iterable[Force] | None = None,
    sample: Sample | None = None,
    strict: bool = False,
    now: datetime | None = None,
) -> ImportResult:
    """Import an agency's results (CSV). Each row is checked on its own; rejected rows are
    listed with their reasons and change nothing. Valid rows are imported together, or,
    with ``strict``, only if no row is rejected.

    Columns: serial, outcome (completed, refused, non_contact, wrong_number, ineligible),
    interviewed_at (optional), the five core stages (1 completely satisfied .. 7 completely
    dissatisfied, 8 don't know, 9 refused), comments, agrees_to_contact (yes/no), and any
    extra questions of the force's questionnaire by their codes.
    """
    now = now or timezone.now()
    result = ImportResult()
    try:
        reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
        header = [h.strip() for h in (reader.fieldnames or [])]
    except csv.Error as error:
        result.rejected.append((1, "", [f"not a CSV file: {error}"]))
        result.applied = False
        return result
    missing = [c for c in ("serial", "outcome") if c not in header]
    if missing:
        result.rejected.append((1, "", [f"missing column(s): {', '.join(missing)}"]))
        result.applied = False
        return result
    rows = [
        (line, {(k or "").strip(): (v or "").strip() for k, v in row.items()})
        for line, row in enumerate(reader, 2)
    ]
    serial_count = Counter(row["serial"].upper() for _line, row in rows)
    members = SampleMember.objects.filter(
        serial__in=list(serial_count), mode=Mode.AGENCY
    ).select_related("sample__questionnaire")
    if forces is not None:
        members = members.filter(sample__force__in=list(forces))
    if sample is not None:
        members = members.filter(sample=sample)
    by_serial = {m.serial: m for m in members}
    valid: list[tuple[SampleMember, str, datetime, dict[str, str]]] = []
    for line, row in rows:
        serial = row["serial"].upper()
        reasons: list[str] = []
        member = by_serial.get(serial)
        if not serial or member is None:
            reasons.append("unknown respondent (no such serial issued to the agency)")
        elif serial_count[serial] > 1:
            reasons.append("serial appears more than once in the file")
        elif member.outcome != Outcome.ISSUED:
            reasons.append(f"already has an outcome ({member.get_outcome_display().lower()})")
        outcome = AGENCY_IMPORT_OUTCOMES.get(row.get("outcome", "").lower())
        if outcome is None:
            reasons.append(
                f"outcome {row.get('outcome', '')!r} is not one of {', '.join(AGENCY_IMPORT_OUTCOMES)}"
            )
        try:
            when = _parse_when(row.get("interviewed_at", "")) or now
            if when > now + timedelta(minutes=5):
                reasons.append("interviewed_at is in the future")
        except ValueError as error:
            reasons.append(f"interviewed_at: {error}")
            when = now
        answers: dict[str, str] = {}
        if outcome == Outcome.COMPLETED and member is not None:
            for question in questions_of(member.sample.questionnaire):
                value = row.get(question.code, "")
                try:
                    if question.kind == "scale":
                        if not value and not question.is_core:
                            continue
                        answers[question.code] = _agency_answer(value) if value else ""
                        if not value:
                            raise ValueError("an answer is required")
                    elif question.kind == "yes_no":
                        value = value.lower()
                        if value and value not in YES_NO:
                            raise ValueError(f"{value!r} is not yes or no")
                        answers[question.code] = value or "no"  # not recorded: no
                    else:
                        answers[question.code] = answer_clean(question, value)
                except ValueError as error:
                    reasons.append(f"{question.code}: {error}")
        if reasons:
            result.rejected.append((line, serial, reasons))
        elif member is not None and outcome is not None:  # always so when nothing was rejected
            valid.append((member, outcome, when, answers))
    if strict and result.rejected:
        result.applied = False
        return result
    with transaction.atomic():
        for member, outcome, when, answers in valid:
            if outcome == Outcome.COMPLETED:
                response_record(member=member, answers=answers, mode=Mode.AGENCY, completed_at=when)
            else:
                SampleMember.objects.filter(pk=member.pk).update(outcome=outcome, outcome_at=when)
            result.imported += 1
    return result
