"""Where apps plug into shared pages without editing them.

An app registers, in its ``AppConfig.ready()``:
- navigation items (shown to users who pass ``visible``),
- panels on the staff home page and on the case page (a template and a function that
  returns its context, or None to show nothing).
The case page and the staff home render the panels in ``order``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str
    visible: Callable[[Any], bool]
    order: int = 50


@dataclass(frozen=True)
class Panel:
    template: str
    context: Callable[..., dict | None]
    order: int = 50


NAV_ITEMS: list[NavItem] = []
CASE_PANELS: list[Panel] = []
HOME_PANELS: list[Panel] = []


def nav_item_register(item: NavItem) -> None:
    if item not in NAV_ITEMS:
        NAV_ITEMS.append(item)
        NAV_ITEMS.sort(key=lambda entry: entry.order)


def case_panel_register(panel: Panel) -> None:
    """``panel.context(request, case)`` returns the template's context or None."""
    if panel not in CASE_PANELS:
        CASE_PANELS.append(panel)
        CASE_PANELS.sort(key=lambda entry: entry.order)


def home_panel_register(panel: Panel) -> None:
    """``panel.context(request)`` returns the template's context or None."""
    if panel not in HOME_PANELS:
        HOME_PANELS.append(panel)
        HOME_PANELS.sort(key=lambda entry: entry.order)


def panels_render(panels: list[Panel], *args) -> list[tuple[str, dict]]:
    """The (template, context) pairs of the panels that have something to show."""
    rendered = []
    for panel in panels:
        context = panel.context(*args)
        if context is not None:
            rendered.append((panel.template, context))
    return rendered
