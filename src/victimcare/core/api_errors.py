"""The error answers of /api/v1/, in one place, so every operation declares in the OpenAPI
document each status it can answer, with the body it answers with.

Every error body has a ``detail``: a sentence (``MessageOut``), or for 422 a list of
per-field errors in django-ninja's own shape (``ErrorsOut``: ``loc`` is where in the
request the problem is, e.g. ``["body", "payload", "detail", "victim_id"]``).
"""

from __future__ import annotations

from ninja import Schema

JSON_MEDIA_TYPES = "application/json or application/*+json"


class MessageOut(Schema):
    detail: str


class ErrorItem(Schema):
    loc: list[str | int]
    msg: str
    type: str


class ErrorsOut(Schema):
    detail: list[ErrorItem]


def field_errors(*problems: tuple[list[str | int], str]) -> dict:
    """A 422 body for problems found after the schema (e.g. a victim not on the case), in
    the same shape as django-ninja's validation errors."""
    return {"detail": [{"loc": loc, "msg": msg, "type": "value_error"} for loc, msg in problems]}


def error_responses(
    *, auth: bool = True, path: bool = False, body: bool = False, params: bool = False
) -> dict[int, type[Schema]]:
    """The error statuses an operation can answer, for its ``response=`` mapping.

    - 401 and 403 with authentication (no or a wrong token or session; a role that may
      not, or a session without its CSRF token);
    - 404 with a path parameter naming something (a case in another force is not found);
    - 400, 415 and 422 with a JSON body (body not JSON; not sent as JSON; breaks the schema);
    - 422 with query or header parameters (they break their schema);
    - 400 always: a NUL character anywhere in the request (core/middleware.py), and with
      a body, a body that is not JSON;
    - 503 always: the database connection was lost (with ``Retry-After``; config/api.py).
    """
    answers: dict[int, type[Schema]] = {400: MessageOut, 503: MessageOut}
    if auth:
        answers[401] = MessageOut
        answers[403] = MessageOut
    if path:
        answers[404] = MessageOut
    if body:
        answers[415] = MessageOut
    if body or params or path:
        answers[422] = ErrorsOut
    return answers
