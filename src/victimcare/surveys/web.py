"""The victim's web survey: one question per page, no JavaScript needed, opened by a
single-use link. A link that is unknown, used or expired gets the same plain page;
a client that keeps trying links is refused for a while."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from victimcare.surveys.questionnaire import questions_of
from victimcare.surveys.selectors.fieldwork import member_for_token, token_client_blocked
from victimcare.surveys.services.errors import FieldworkError
from victimcare.surveys.services.flags import survey_opt_out
from victimcare.surveys.services.responses import (
    token_failure_record,
    web_answer_save,
    web_response_submit,
)


def _client(request: HttpRequest) -> str:
    """A hashed client address: rate limiting needs no stored IP addresses."""
    address = request.META.get("REMOTE_ADDR", "")
    return hashlib.sha256(f"{settings.SECRET_KEY}:{address}".encode()).hexdigest()


def _open(request: HttpRequest, token: str):
    """(member, None) for a usable link, else (None, the plain refusal page)."""
    client = _client(request)
    if token_client_blocked(client=client):
        return None, render(request, "surveys/web/unavailable.html", {"blocked": True}, status=429)
    member = member_for_token(token)
    if member is None:
        token_failure_record(client=client)
        return None, render(request, "surveys/web/unavailable.html", status=404)
    return member, None


def _pages(member) -> list:
    return questions_of(member.sample.questionnaire)


@never_cache
@require_GET
def web_start(request: HttpRequest, token: str) -> HttpResponse:
    member, refusal = _open(request, token)
    if refusal:
        return refusal
    questions = _pages(member)
    return render(
        request,
        "surveys/web/start.html",
        {
            "token": token,
            "first": questions[0].code,
            "count": len(questions),
            "expires_at": member.expires_at,
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def web_question(request: HttpRequest, token: str, code: str) -> HttpResponse:
    member, refusal = _open(request, token)
    if refusal:
        return refusal
    questions = _pages(member)
    codes = [q.code for q in questions]
    if code not in codes:
        return render(request, "surveys/web/unavailable.html", status=404)
    index = codes.index(code)
    question = questions[index]
    error = ""
    value = member.draft.get(code, "")
    if request.method == "POST":
        value = request.POST.get("answer", "")
        try:
            web_answer_save(member=member, code=code, value=value)
        except (ValueError, FieldworkError) as problem:
            error = str(problem)
        else:
            if request.POST.get("return") == "check" or index + 1 == len(codes):
                return redirect("surveys:web-check", token=token)
            return redirect("surveys:web-question", token=token, code=codes[index + 1])
    back = (
        reverse("surveys:web-question", kwargs={"token": token, "code": codes[index - 1]})
        if index
        else reverse("surveys:web-start", kwargs={"token": token})
    )
    return render(
        request,
        "surveys/web/question.html",
        {
            "token": token,
            "question": question,
            "number": index + 1,
            "count": len(codes),
            "value": value,
            "error": error,
            "back": back,
            "returning": request.GET.get("return") == "check"
            or request.POST.get("return") == "check",
        },
        status=400 if error else 200,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def web_check(request: HttpRequest, token: str) -> HttpResponse:
    member, refusal = _open(request, token)
    if refusal:
        return refusal
    questions = _pages(member)
    unanswered = [q.code for q in questions if q.code not in member.draft and not q.optional]
    if unanswered:
        return redirect("surveys:web-question", token=token, code=unanswered[0])
    if request.method == "POST":
        try:
            web_response_submit(member=member)
        except (ValueError, FieldworkError):
            return render(request, "surveys/web/unavailable.html", status=404)
        return redirect("surveys:web-done")
    rows = []
    for question in questions:
        answer = member.draft.get(question.code, "")
        label = dict(question.choices).get(answer, answer) if question.choices else answer
        rows.append({"question": question, "answer": label})
    return render(request, "surveys/web/check.html", {"token": token, "rows": rows})


@never_cache
@require_POST
def web_opt_out(request: HttpRequest, token: str) -> HttpResponse:
    """The victim does not want to take part, now or in future surveys."""
    member, refusal = _open(request, token)
    if refusal:
        return refusal
    survey_opt_out(member=member)
    return render(request, "surveys/web/done.html", {"opted_out": True})


@require_GET
def web_done(request: HttpRequest) -> HttpResponse:
    return render(request, "surveys/web/done.html", {"opted_out": False})
