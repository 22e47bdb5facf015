"""The questionnaire as data: reading a version's questions and checking answers to them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from victimcare.surveys.constants import STAGES, Answer
from victimcare.surveys.models import Questionnaire

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

DATA = Path(__file__).resolve().parent / "data"
# The core questionnaire's versions, oldest first: a change is a new file, never an edit
# of an old one (responses keep the version they answered). The last is the one drawn.
CORE_FILES = (DATA / "questionnaire.json", DATA / "questionnaire_v2.json")
CORE_FILE = CORE_FILES[-1]
# Version 2's questions on the Victims' Code (optional; "not asked" before version 2).
CODE_QUESTIONS = ("told_about_code", "offered_vps", "offered_referral")
KINDS = ("scale", "text", "yes_no")
YES_NO = ("yes", "no")
COMMENTS_MAX = 2000


@cache
def core_definition() -> dict:
    """The latest core version (``CORE_FILE``)."""
    with CORE_FILE.open(encoding="utf-8") as file:
        return json.load(file)


def asks(questionnaire: Questionnaire, code: str) -> bool:
    """Whether a questionnaire version asks the question ``code`` (an older version that
    does not: its respondents were "not asked")."""
    return any(q.get("code") == code for q in questionnaire.questions)


@dataclass(frozen=True)
class Question:
    code: str
    kind: str
    text: str
    hint: str = ""
    stage: str = ""
    optional: bool = False

    @property
    def is_core(self) -> bool:
        return self.stage in STAGES

    @property
    def choices(self) -> list[tuple[str, StrOrPromise]]:
        if self.kind == "scale":
            return list(Answer.choices)
        if self.kind == "yes_no":
            return [("yes", "Yes"), ("no", "No")]
        return []


def questions_of(questionnaire: Questionnaire) -> list[Question]:
    return [
        Question(
            code=q["code"],
            kind=q["kind"],
            text=q["text"],
            hint=q.get("hint", ""),
            stage=q.get("stage", ""),
            optional=bool(q.get("optional", False)),
        )
        for q in questionnaire.questions
    ]


def questions_validate(questions: list[dict]) -> None:
    """A questionnaire has the five core stages once each and well-formed questions."""
    codes = [q.get("code") for q in questions]
    if len(set(codes)) != len(codes):
        raise ValueError("question codes must be unique")
    stages = [q["stage"] for q in questions if q.get("stage")]
    if sorted(stages) != sorted(STAGES):
        raise ValueError("the questionnaire must ask each of the five core stages once")
    for q in questions:
        if q.get("kind") not in KINDS or not q.get("text") or not q.get("code"):
            raise ValueError(
                f"question {q.get('code')!r} needs a code, a text and a kind in {KINDS}"
            )


def answer_clean(question: Question, value: str | None) -> str:
    """The stored form of an answer, or ValueError with a message for the person answering."""
    value = (value or "").strip()
    if question.kind == "text":
        if len(value) > COMMENTS_MAX:
            raise ValueError(f"Your answer must be {COMMENTS_MAX} characters or fewer")
        return value
    allowed = [code for code, _label in question.choices]
    if value not in allowed:
        if not value and question.optional:
            return ""
        raise ValueError("Select an answer" if not value else "Select one of the answers shown")
    return value
