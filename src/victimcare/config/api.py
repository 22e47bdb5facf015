"""The JSON API under /api/v1/ (OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs)."""

from csp.constants import SELF
from csp.decorators import csp_update
from ninja import NinjaAPI

from victimcare.care.api import router as care_router
from victimcare.forces.api import router as forces_router
from victimcare.intake.api import router as intake_router
from victimcare.oversight.api import router as oversight_router
from victimcare.surveys.api import router as surveys_router

api = NinjaAPI(
    title="victimcare API",
    version="1",
    description="Reporting, case and obligation data for police records systems and staff.",
    urls_namespace="api-v1",
    # Swagger UI's stylesheet draws a few icons from data: images; this page alone may
    # show them (README, Security). Its scripts are static files, like the site's.
    docs_decorator=csp_update({"img-src": [SELF, "data:"]}),
)
api.add_router("", forces_router)
api.add_router("", intake_router)
api.add_router("", care_router)
api.add_router("", surveys_router)
api.add_router("", oversight_router)
