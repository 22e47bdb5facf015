"""The messages panel on the staff case page (registered in PortalConfig.ready)."""

from victimcare.accounts.permissions import Capability, has_capability
from victimcare.cases.selectors import case_victims
from victimcare.portal.forms import ReplyForm
from victimcare.portal.message_services import reply_victim_default
from victimcare.portal.selectors import case_messages, messages_awaiting_reply


def messages_panel(request, case) -> dict:
    victims = list(case_victims(case=case))
    number: dict[int | None, int] = {victim.pk: n for n, victim in enumerate(victims, start=1)}
    messages = list(case_messages(case=case))
    for message in messages:  # "Victim 2", as the case page numbers them, when there are several
        message.victim_number = number.get(message.victim_id) if len(victims) > 1 else None  # type: ignore[attr-defined]  # (for the template)
    form = ReplyForm(
        auto_id="reply-%s",
        victims=victims,
        initial_victim=reply_victim_default(case=case) if len(victims) > 1 else None,
    )
    return {
        "case": case,
        "messages": messages,
        "can_reply": has_capability(request.user, Capability.WORK_CASES),
        "form": form,
        "victim_field": form["victim"] if "victim" in form.fields else None,
    }


def awaiting_reply_panel(request) -> dict | None:
    user = request.user
    if not has_capability(user, Capability.WORK_CASES) or user.force_id is None:
        return None
    return {"messages": list(messages_awaiting_reply(force_id=user.force_id))}
