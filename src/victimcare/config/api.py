"""The JSON API under /api/v1/ (OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs)."""

import logging

from django.db import InterfaceError, OperationalError
from ninja import NinjaAPI

from victimcare.care.api import router as care_router
from victimcare.forces.api import router as forces_router
from victimcare.intake.api import router as intake_router
from victimcare.oversight.api import router as oversight_router
from victimcare.surveys.api import router as surveys_router

logger = logging.getLogger(__name__)

api = NinjaAPI(
    title="victimcare API",
    version="1",
    description="Reporting, case and obligation data for police records systems and staff.",
    urls_namespace="api-v1",
)
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
