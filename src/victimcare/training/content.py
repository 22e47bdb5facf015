"""A module version's text as authors write it, and as readers see it. No Django.

Authors write plain text: sections as Markdown with a ``## Heading`` line starting each
section; learning points one a line; the knowledge check as questions (``? ...``), each
followed by its options, the right one marked ``*`` and the others ``-``. Markdown is
rendered by markdown-it with raw HTML off (typed HTML is shown as text) and its link
check (no ``javascript:``, ``vbscript:``, ``file:`` or ``data:`` links), so module text
can never put markup or script on a page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict

from markdown_it import MarkdownIt

_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})

MAX_TEXT = 20_000
MAX_QUESTIONS = 20


class ContentError(ValueError):
    """Text that cannot be read as a module's content; the message says what to fix."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class Section(TypedDict):
    """A section of a module's text: its heading ("" for an introduction) and body."""

    heading: str
    body: str


class Question(TypedDict):
    """A knowledge-check question: its options and the index of the right one."""

    question: str
    options: list[str]
    answer: int | None


def markdown_render(text: str) -> str:
    """Safe HTML of ``text`` (raw HTML escaped, unsafe links dropped)."""
    return str(_MARKDOWN.render(text or ""))


def sections_parse(text: str) -> list[Section]:
    """``## Heading`` lines start sections; text before the first heading is an
    untitled introduction."""
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        raise ContentError("sections", "Write the module's text")
    if len(text) > MAX_TEXT:
        raise ContentError("sections", f"The text must be at most {MAX_TEXT:,} characters")
    sections: list[Section] = []
    body: list[str] = []
    heading = ""
    for line in text.split("\n"):
        if line.startswith("## "):
            if heading or any(b.strip() for b in body):
                sections.append({"heading": heading, "body": "\n".join(body).strip()})
            heading, body = line[3:].strip(), []
        else:
            body.append(line)
    sections.append({"heading": heading, "body": "\n".join(body).strip()})
    return sections


def sections_text(sections: list[Section]) -> str:
    parts = []
    for s in sections:
        head = f"## {s['heading']}\n\n" if s.get("heading") else ""
        parts.append(head + s.get("body", ""))
    return "\n\n".join(parts)


def learning_points_parse(text: str) -> list[str]:
    points = [line.strip().lstrip("-*").strip() for line in (text or "").splitlines()]
    points = [p for p in points if p]
    if not points:
        raise ContentError("learning_points", "Give at least one learning point")
    return points


def check_parse(text: str) -> list[Question]:
    """Questions ``? text``, options ``* right`` / ``- wrong``: exactly one right option
    and at least two options a question."""
    questions: list[Question] = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("?"):
            questions.append({"question": line[1:].strip(), "options": [], "answer": None})
        elif line[0] in "*-":
            if not questions:
                raise ContentError("check", f"Line {number}: an option before any question")
            q = questions[-1]
            if line[0] == "*":
                if q["answer"] is not None:
                    raise ContentError(
                        "check", f"Question {len(questions)} has more than one right option"
                    )
                q["answer"] = len(q["options"])
            q["options"].append(line[1:].strip())
        else:
            raise ContentError(
                "check", f"Line {number}: start a question with ? and an option with * or -"
            )
    if not questions:
        raise ContentError("check", "Write at least one knowledge-check question")
    if len(questions) > MAX_QUESTIONS:
        raise ContentError("check", f"At most {MAX_QUESTIONS} questions")
    for i, q in enumerate(questions, start=1):
        if not q["question"]:
            raise ContentError("check", f"Question {i} has no text")
        if len(q["options"]) < 2:
            raise ContentError("check", f"Question {i} needs at least two options")
        if q["answer"] is None:
            raise ContentError("check", f"Question {i} has no right option (mark it with *)")
    return questions


def check_text(check: list[Question]) -> str:
    lines = []
    for q in check:
        lines.append(f"? {q['question']}")
        for i, option in enumerate(q["options"]):
            lines.append(f"{'*' if i == q['answer'] else '-'} {option}")
    return "\n".join(lines)


@dataclass(frozen=True)
class Score:
    right: int
    questions: int

    @property
    def percent(self) -> int:
        return round(100 * self.right / self.questions) if self.questions else 0


def check_score(check: list[Question], answers: dict[int, int | None]) -> Score:
    """Answers by question index (option index, or None when unanswered)."""
    right = sum(1 for i, q in enumerate(check) if answers.get(i) == q["answer"])
    return Score(right=right, questions=len(check))
