"""Completions from a force learning system's CSV export.

Columns: ``username`` (the officer's victimcare username), ``module`` (the module's
code in the officer's force), ``version`` (its number), ``completed_at`` (ISO date or
date and time; a date alone is read as midday, Europe/London) and ``score`` (0-100).
Every row is checked first; if any is rejected nothing is written and each rejected row
is listed with its reason. A completion already recorded (same officer and version) is
skipped, so the import is safe to re-run.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.db import transaction

from victimcare.accounts.models import User
from victimcare.core.timezones import LONDON
from victimcare.training.constants import CompletionSource, VersionStatus
from victimcare.training.models import Completion, ModuleVersion

COLUMNS = ("username", "module", "version", "completed_at", "score")


@dataclass
class ImportResult:
    imported: int = 0
    skipped: int = 0
    rejects: list[tuple[int, str]] = field(default_factory=list)


def _when(text: str) -> datetime:
    text = text.strip()
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(12), tzinfo=LONDON)
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"completed_at {text!r} is not a date (YYYY-MM-DD) or date and time"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=LONDON)


def completions_import(
    text: str, *, force_code: str = "", now: datetime | None = None
) -> ImportResult:
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    result = ImportResult()
    if missing:
        result.rejects.append((1, f"the header lacks the columns: {', '.join(missing)}"))
        return result
    rows = list(reader)
    users = {
        u.username: u
        for u in User.objects.filter(username__in=[r["username"].strip() for r in rows])
    }
    new: list[Completion] = []
    seen: set[tuple[int, int]] = set()
    for line, row in enumerate(rows, start=2):
        try:
            user = users.get(row["username"].strip())
            if user is None:
                raise ValueError(f"no staff member with username {row['username'].strip()!r}")
            if user.force_id is None:
                raise ValueError(f"{user.username} belongs to no force")
            if force_code and user.force.code.upper() != force_code.upper():  # type: ignore[union-attr]
                raise ValueError(f"{user.username} is not in {force_code.upper()}")
            try:
                number = int(row["version"])
            except ValueError:
                raise ValueError(f"version {row['version']!r} is not a number") from None
            version = (
                ModuleVersion.objects.filter(
                    module__force_id=user.force_id,
                    module__code=row["module"].strip(),
                    number=number,
                )
                .select_related("module")
                .first()
            )
            if version is None:
                raise ValueError(
                    f"no module {row['module'].strip()!r} version {number} in {user.force.code}"  # type: ignore[union-attr]
                )
            if version.status != VersionStatus.PUBLISHED:
                raise ValueError(f"{version} is not published")
            try:
                score = int(row["score"])
            except ValueError:
                raise ValueError(f"score {row['score']!r} is not a whole number") from None
            if not 0 <= score <= 100:
                raise ValueError(f"score {score} is not from 0 to 100")
            completed_at = _when(row["completed_at"])
            if now is not None and completed_at > now:
                raise ValueError("completed_at is in the future")
            if version.published_at and completed_at < version.published_at:
                raise ValueError("completed_at is before the version was published")
        except ValueError as error:
            result.rejects.append((line, str(error)))
            continue
        key = (version.pk, user.pk)
        if key in seen or Completion.objects.filter(version=version, officer=user).exists():
            result.skipped += 1
            continue
        seen.add(key)
        new.append(
            Completion(
                version=version,
                officer=user,
                completed_at=completed_at,
                score=score,
                source=CompletionSource.IMPORT,
            )
        )
    if result.rejects:
        return result
    with transaction.atomic():
        for completion in new:
            completion.full_clean()
            completion.save()
    result.imported = len(new)
    return result
