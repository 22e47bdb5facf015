"""The JSON API under /api/v1/ (OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs).

Bodies are JSON only: a body sent with another Content-Type (a form, ``text/plain``) is
answered 415 before it is read, so nothing but JSON reaches the schemas.
"""

from __future__ import annotations

import logging

from csp.constants import SELF
from csp.decorators import csp_update
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import HttpError
from ninja.parser import Parser

from victimcare.accounts.api import router as forces_router
from victimcare.care.api import router as care_router
from victimcare.core.api_errors import JSON_MEDIA_TYPES
from victimcare.intake.api import router as intake_router
from victimcare.oversight.api import router as oversight_router
from victimcare.surveys.api import router as surveys_router

logger = logging.getLogger(__name__)

UNSUPPORTED_MEDIA_TYPE = f"Send the body as JSON, with Content-Type {JSON_MEDIA_TYPES}"


class UnsupportedMediaType(ValueError):
    """A request body that was not sent as JSON."""


def is_json_media_type(content_type: str) -> bool:
    """``application/json`` or a JSON-based ``application/*+json`` (parameters such as
    ``charset`` aside)."""
    media = content_type.split(";", 1)[0].strip().lower()
    kind, _, subtype = media.partition("/")
    return kind == "application" and (subtype == "json" or subtype.endswith("+json"))


class JsonOnlyParser(Parser):
    """Reads a body only when it was sent as JSON."""

    def parse_body(self, request: HttpRequest):
        if not is_json_media_type(request.content_type or ""):
            raise UnsupportedMediaType(request.content_type or "")
        return super().parse_body(request)


api = NinjaAPI(
    title="victimcare API",
    version="1",
    description="Reporting, case and obligation data for police records systems and staff.",
    urls_namespace="api-v1",
    parser=JsonOnlyParser(),
    # Swagger UI's stylesheet draws a few icons from data: images; this page alone may
    # show them (README, Security). Its scripts are static files, like the site's.
    docs_decorator=csp_update({"img-src": [SELF, "data:"]}),
)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """django-ninja turns any failure to read the body into a 400; one that was not JSON
    at all is a 415."""
    if isinstance(exc.__cause__, UnsupportedMediaType):
        return api.create_response(request, {"detail": UNSUPPORTED_MEDIA_TYPE}, status=415)
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


api.add_router("", forces_router)
api.add_router("", intake_router)
api.add_router("", care_router)
api.add_router("", surveys_router)
api.add_router("", oversight_router)

DATABASE_LOST = (
    "The service lost its connection to the database. Send the same request again, with "
    "the same Idempotency-Key: a report already recorded is returned, never recorded twice."
)


def database_lost(request, error):
    """A cut or failed-over database connection (or a deadlock, a timeout) is a 503 with
    Retry-After, which a client can tell from a fault and retry; a 500 it could not."""
    logger.warning("API request lost its database connection: %s", type(error).__name__)
    response = api.create_response(request, {"detail": DATABASE_LOST}, status=503)
    response["Retry-After"] = "1"
    return response


api.add_exception_handler(OperationalError, database_lost)
api.add_exception_handler(InterfaceError, database_lost)
