"""The messages panel on the staff case page (registered in PortalConfig.ready)."""

from victimcare.accounts.permissions import Capability, has_capability
from victimcare.portal.forms import ReplyForm
from victimcare.portal.selectors import case_messages, messages_awaiting_reply


def messages_panel(request, case) -> dict:
    return {
        "case": case,
        "messages": list(case_messages(case=case)),
        "can_reply": has_capability(request.user, Capability.WORK_CASES),
        "form": ReplyForm(auto_id="reply-%s"),
    }


def awaiting_reply_panel(request) -> dict | None:
    user = request.user
    if not has_capability(user, Capability.WORK_CASES) or user.force_id is None:
        return None
    return {"messages": list(messages_awaiting_reply(force_id=user.force_id))}
