"""The JSON API under /api/v1/ (OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs)."""

from ninja import NinjaAPI

from victimcare.forces.api import router as forces_router

api = NinjaAPI(
    title="victimcare API",
    version="1",
    description="Reporting, case and obligation data for police records systems and staff.",
    urls_namespace="api-v1",
)
api.add_router("", forces_router)
