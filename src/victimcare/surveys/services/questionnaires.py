"""The questionnaires: the core one, and a force's extra questions."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from victimcare.forces.models import Force
from victimcare.surveys.models import (
    Questionnaire,
)
from victimcare.surveys.questionnaire import (
    core_definition,
    questions_validate,
)


@transaction.atomic
def questionnaire_core_get() -> Questionnaire:
    """The core questionnaire version in data/questionnaire.json, created on first use."""
    definition = core_definition()
    questionnaire, _ = Questionnaire.objects.get_or_create(
        code=definition["code"],
        version=definition["version"],
        defaults={
            "title": definition["title"],
            "questions": definition["questions"],
            "created_at": timezone.now(),
        },
    )
    return questionnaire


@transaction.atomic
def questionnaire_extend(*, force: Force, extra_questions: list[dict[str, Any]]) -> Questionnaire:
    """A new version for a force: the core questions with the force's extras before the
    closing comments and contact questions."""
    core = questionnaire_core_get()
    closing = [q for q in core.questions if q["code"] in ("comments", "agrees_to_contact")]
    opening = [q for q in core.questions if q not in closing]
    questions = [*opening, *extra_questions, *closing]
    questions_validate(questions)
    latest = Questionnaire.objects.filter(code=f"{core.code}-{force.code.lower()}").first()
    questionnaire = Questionnaire(
        code=f"{core.code}-{force.code.lower()}",
        version=(latest.version + 1) if latest else 1,
        force=force,
        title=core.title,
        questions=questions,
        created_at=timezone.now(),
    )
    questionnaire.full_clean()
    questionnaire.save()
    return questionnaire


@transaction.atomic
def questionnaire_for_force(force: Force) -> Questionnaire:
    """The latest version carrying the force's extras, or the core questionnaire. When the
    core has gained questions since the force's version was made, a new force version
    (the current core with the same extras) is made, never an edit of the old one."""
    extended = Questionnaire.objects.filter(force=force).order_by("-version").first()
    core = questionnaire_core_get()
    if extended is None:
        return core
    codes = {q["code"] for q in extended.questions}
    if all(q["code"] in codes for q in core.questions):
        return extended
    core_codes = {q["code"] for q in core.questions}
    extras = [q for q in extended.questions if q["code"] not in core_codes]
    return questionnaire_extend(force=force, extra_questions=extras)
