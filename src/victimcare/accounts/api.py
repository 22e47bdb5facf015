from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.security import django_auth

from victimcare.accounts.permissions import forces_in_scope
from victimcare.core.api_errors import MessageOut
from victimcare.forces.models import Force, PeerList

router = Router(tags=["forces"])


class AreaOut(Schema):
    code: str
    name: str
    kind: str


class ForceOut(Schema):
    code: str
    name: str
    peer_group: str | None = Field(
        description="The name of the force's own list of most similar forces, if it has one"
    )
    peers: list[str] = Field(
        description="Codes of the force's own most similar forces (its list; another "
        "force's list may differ and need not name this one)"
    )
    areas: list[AreaOut]


def _peer_list(force: Force) -> PeerList | None:
    try:
        return force.peer_list
    except PeerList.DoesNotExist:
        return None


@router.get("/forces", response={200: list[ForceOut], 401: MessageOut}, auth=django_auth)
def forces(request: HttpRequest):
    """The forces the signed-in staff member may see, with their areas."""
    # (django_auth lets only signed-in users through)
    rows = (
        forces_in_scope(request.user)  # type: ignore[arg-type]
        .select_related("peer_list")
        .prefetch_related("areas", "peer_list__peers")
    )
    out = []
    for force in rows:
        peer_list = _peer_list(force)
        out.append(
            ForceOut(
                code=force.code,
                name=force.name,
                peer_group=peer_list.name if peer_list else None,
                peers=sorted(p.code for p in peer_list.peers.all()) if peer_list else [],
                areas=[AreaOut(code=a.code, name=a.name, kind=a.kind) for a in force.areas.all()],
            )
        )
    return out
