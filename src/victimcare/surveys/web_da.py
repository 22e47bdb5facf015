"""The victim's web questionnaire of the domestic abuse survey, opened by the single-use
link emailed to their confirmed safe address. Every page carries GOV.UK's "Exit this
page", shows nothing of the case, and is titled neutrally (nothing on screen says what
the survey is about, in case someone else sees it). A link that is unknown, used or
expired gets one plain page; a client that keeps trying links is refused for a while."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from victimcare.surveys.models import DaSurveyContact
from victimcare.surveys.questionnaire import Question, questions_of
from victimcare.surveys.selectors.domestic_abuse import da_contact_for_token
from victimcare.surveys.selectors.fieldwork import token_client_blocked
from victimcare.surveys.services.domestic_abuse import da_web_answer_save, da_web_submit
from victimcare.surveys.services.errors import FieldworkError
from victimcare.surveys.services.responses import token_failure_record
from victimcare.surveys.web import _client

SAFE = {"exit_this_page": True}


def _open(request: HttpRequest, token: str) -> tuple[DaSurveyContact | None, HttpResponse | None]:
    """(contact, None) for a usable link, else (None, the plain refusal page)."""
    client = _client(request)
    if token_client_blocked(client=client):
        page = render(request, "surveys/feedback/unavailable.html", {**SAFE, "blocked": True})
        page.status_code = 429
        return None, page
    contact = da_contact_for_token(token)
    if contact is None:
        token_failure_record(client=client)
        return None, render(request, "surveys/feedback/unavailable.html", SAFE, status=404)
    return contact, None


def _questions(contact: DaSurveyContact) -> list[Question]:
    return questions_of(contact.questionnaire)


@never_cache
@require_GET
def feedback_start(request: HttpRequest, token: str) -> HttpResponse:
    contact, refusal = _open(request, token)
    if contact is None:
        return refusal  # type: ignore[return-value]
    questions = _questions(contact)
    return render(
        request,
        "surveys/feedback/start.html",
        {
            **SAFE,
            "token": token,
            "title": contact.questionnaire.title,
            "first": questions[0].code,
            "count": len(questions),
            "expires_at": contact.expires_at,
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def feedback_question(request: HttpRequest, token: str, code: str) -> HttpResponse:
    contact, refusal = _open(request, token)
    if contact is None:
        return refusal  # type: ignore[return-value]
    questions = _questions(contact)
    codes = [q.code for q in questions]
    if code not in codes:
        return render(request, "surveys/feedback/unavailable.html", SAFE, status=404)
    index = codes.index(code)
    error = ""
    value = contact.draft.get(code, "")
    returning = "check" in (request.GET.get("return"), request.POST.get("return"))
    if request.method == "POST":
        value = request.POST.get("answer", "")
        try:
            da_web_answer_save(contact=contact, code=code, value=value)
        except (ValueError, FieldworkError) as problem:
            error = str(problem)
        else:
            if returning or index + 1 == len(codes):
                return redirect("surveys:feedback-check", token=token)
            return redirect("surveys:feedback-question", token=token, code=codes[index + 1])
    back = (
        reverse("surveys:feedback-question", kwargs={"token": token, "code": codes[index - 1]})
        if index
        else reverse("surveys:feedback-start", kwargs={"token": token})
    )
    return render(
        request,
        "surveys/web/question.html",
        {
            **SAFE,
            "token": token,
            "question": questions[index],
            "number": index + 1,
            "count": len(codes),
            "value": value,
            "error": error,
            "back": back,
            "returning": returning,
        },
        status=400 if error else 200,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def feedback_check(request: HttpRequest, token: str) -> HttpResponse:
    contact, refusal = _open(request, token)
    if contact is None:
        return refusal  # type: ignore[return-value]
    questions = _questions(contact)
    unanswered = [q.code for q in questions if q.code not in contact.draft and not q.optional]
    if unanswered:
        return redirect("surveys:feedback-question", token=token, code=unanswered[0])
    if request.method == "POST":
        try:
            da_web_submit(contact=contact)
        except (ValueError, FieldworkError):
            return render(request, "surveys/feedback/unavailable.html", SAFE, status=404)
        return redirect("surveys:feedback-done")
    rows = []
    for question in questions:
        answer = contact.draft.get(question.code, "")
        label = dict(question.choices).get(answer, answer) if question.choices else answer
        rows.append({"question": question, "answer": label})
    return render(request, "surveys/feedback/check.html", {**SAFE, "token": token, "rows": rows})


@require_GET
def feedback_done(request: HttpRequest) -> HttpResponse:
    return render(request, "surveys/feedback/done.html", SAFE)
