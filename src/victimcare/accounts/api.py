from django.http import HttpRequest
from ninja import Router, Schema
from ninja.security import django_auth

from victimcare.accounts.permissions import forces_in_scope
from victimcare.core.api_errors import MessageOut

router = Router(tags=["forces"])


class AreaOut(Schema):
    code: str
    name: str
    kind: str


class ForceOut(Schema):
    code: str
    name: str
    peer_group: str | None
    areas: list[AreaOut]


@router.get("/forces", response={200: list[ForceOut], 401: MessageOut}, auth=django_auth)
def forces(request: HttpRequest):
    """The forces the signed-in staff member may see, with their areas."""
    # (django_auth lets only signed-in users through)
    rows = forces_in_scope(request.user).select_related("peer_group").prefetch_related("areas")  # type: ignore[arg-type]
    return [
        ForceOut(
            code=force.code,
            name=force.name,
            peer_group=force.peer_group.name if force.peer_group else None,
            areas=[AreaOut(code=a.code, name=a.name, kind=a.kind) for a in force.areas.all()],
        )
        for force in rows
    ]
