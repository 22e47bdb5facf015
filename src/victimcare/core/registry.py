"""Where apps plug into shared pages without editing them.

An app registers, in its ``AppConfig.ready()``:
- navigation items (shown to users who pass ``visible``),
- panels on the staff home page and on the case page (a template and a function that
  returns its context, or None to show nothing).
The case page and the staff home render the panels in ``order``.

Core imports no other app: what it needs from one (is this user past their second factor?
what goes on the staff home page? is a synthetic demo world loaded?) is registered here.
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
# ``check(user)``: False keeps a signed-in user's navigation empty (accounts: until the
# second factor is given, staff see no links to staff pages, only sign-out).
NAV_GATES: list[Callable[[Any], bool]] = []
# ``context(request)`` returns what it adds to the staff home page's context.
HOME_CONTEXTS: list[Callable[[Any], dict]] = []
# The app that builds synthetic demo worlds says whether one is loaded (the demo app).
_DEMO_WORLD_GETTERS: list[Callable[[], Any]] = []


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


def nav_gate_register(check: Callable[[Any], bool]) -> None:
    if check not in NAV_GATES:
        NAV_GATES.append(check)


def home_context_register(context: Callable[[Any], dict]) -> None:
    if context not in HOME_CONTEXTS:
        HOME_CONTEXTS.append(context)


def demo_world_getter_register(getter: Callable[[], Any]) -> None:
    if getter not in _DEMO_WORLD_GETTERS:
        _DEMO_WORLD_GETTERS.append(getter)


def demo_world_get() -> Any:
    """The synthetic demo world in this database, if one is loaded (None otherwise)."""
    for getter in _DEMO_WORLD_GETTERS:
        world = getter()
        if world is not None:
            return world
    return None


# --- training aimed at the oversight drivers ---------------------------------------------


@dataclass(frozen=True)
class TrainingAim:
    """A training module aimed at a survey stage, as the drivers page and the report pack
    show it: ``state`` is "draft", "published", "rolling_out" or "rolled_out";
    ``state_label`` says it in words (e.g. "Rolling out: wave 2 of 4"); ``url`` is the
    module's page when the person asking may open it (None otherwise, and in the pack)."""

    stage: str
    code: str
    title: str
    state: str
    state_label: str
    url: str | None = None


# ``provider(force_id, user)`` returns the force's modules aimed at each survey stage (the
# training app; oversight, below it, asks through ``training_aims_for_force``).
_TRAINING_AIM_PROVIDERS: list[Callable[[int, Any], list[TrainingAim]]] = []


def training_aims_provider_register(provider: Callable[[int, Any], list[TrainingAim]]) -> None:
    if provider not in _TRAINING_AIM_PROVIDERS:
        _TRAINING_AIM_PROVIDERS.append(provider)


def training_aims_for_force(force_id: int, user: Any = None) -> dict[str, list[TrainingAim]]:
    """The modules aimed at each stage in ``force_id``, by stage (empty without a provider)."""
    out: dict[str, list[TrainingAim]] = {}
    for provider in _TRAINING_AIM_PROVIDERS:
        for aim in provider(force_id, user):
            out.setdefault(aim.stage, []).append(aim)
    return out
