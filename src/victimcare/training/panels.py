"""The training app's navigation items and staff-home panel (registered in ready())."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from victimcare.accounts.models import User
from victimcare.accounts.permissions import Capability, has_capability
from victimcare.core.registry import NavItem, Panel, home_panel_register, nav_item_register


def _home(request: HttpRequest) -> dict[str, Any] | None:
    from victimcare.training.selectors import training_for_user

    user = request.user
    if not isinstance(user, User) or not has_capability(user, Capability.TAKE_TRAINING):
        return None
    items = training_for_user(user=user)
    if not items:
        return None
    return {"items": items, "open": [i for i in items if i.completion is None]}


def register() -> None:
    def modules_visible(user: User) -> bool:
        return has_capability(user, Capability.MANAGE_TRAINING) or has_capability(
            user, Capability.CO_AUTHOR_TRAINING
        )

    nav_item_register(NavItem("training:index", "Training", modules_visible, order=60))
    nav_item_register(
        NavItem(
            "training:mine",
            "My training",
            lambda user: has_capability(user, Capability.TAKE_TRAINING),
            order=61,
        )
    )
    home_panel_register(Panel("training/panel_home.html", _home, order=45))
