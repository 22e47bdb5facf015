"""The type-checking configuration only tightens: the gradual list shrinks, the strict list holds.

mypy runs in `make lint` over src/victimcare. Modules that do not pass yet sit on one gradual
list (`ignore_errors = true`) in pyproject.toml; this test fails if that list grows, so a new
module is typed from its first commit and a fixed module comes off the list for good.

The code's shape holds too: no module (migrations aside) is over MODULE_LINES_MAX lines.
"""

import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"

# The length of the gradual list today. Lower it when you take a module off; never raise it.
GRADUAL_LIST_MAX = 13

# The longest a module may be (issue 14); a longer one is split by job into sibling modules.
MODULE_LINES_MAX = 600

# Packages typed strictly (disallow_untyped_defs and the rest of mypy's --strict flags).
STRICT_PACKAGES = {
    "victimcare.estimation.*",
    "victimcare.care.services.*",
    "victimcare.care.rebuild.*",
    "victimcare.intake.importer.*",
    "victimcare.surveys.services.*",
    "victimcare.oversight.figures.*",
    "victimcare.training.*",
}


def mypy_config():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]


def overrides():
    return mypy_config().get("overrides", [])


def strict_override():
    (found,) = [o for o in overrides() if o.get("disallow_untyped_defs")]
    return found


def ignored_overrides():
    return [o for o in overrides() if o.get("ignore_errors")]


def gradual_list():
    strict = set(strict_override()["module"])
    (found,) = [o for o in ignored_overrides() if not set(o["module"]) <= strict]
    return found["module"]


def test_mypy_checks_the_package_with_the_django_plugin():
    config = mypy_config()
    assert config["files"] == ["src/victimcare"]
    assert "mypy_django_plugin.main" in config["plugins"]
    assert "migrations" in config["exclude"][0]
    django_stubs = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["django-stubs"]
    assert django_stubs["django_settings_module"] == "victimcare.config.settings"


def test_lint_runs_mypy():
    lint = (ROOT / "Makefile").read_text().split("\nlint:", 1)[1].split("\n\n", 1)[0]
    assert "$(VENV)/bin/mypy" in lint


def test_strict_packages_are_strict():
    override = strict_override()
    assert set(override["module"]) == STRICT_PACKAGES
    for flag in (
        "disallow_untyped_defs",
        "disallow_incomplete_defs",
        "disallow_untyped_calls",
        "disallow_any_generics",
        "check_untyped_defs",
        "warn_return_any",
    ):
        assert override[flag] is True, flag


def test_no_strict_package_is_forgiven_its_errors():
    """The split packages pass strict mypy (issue 14): no override ignores their errors."""
    for override in ignored_overrides():
        assert not set(override["module"]) & STRICT_PACKAGES, override["module"]


def test_the_gradual_list_only_shrinks():
    modules = gradual_list()
    assert len(modules) == len(set(modules)), "a module is listed twice"
    assert len(modules) <= GRADUAL_LIST_MAX, (
        f"{len(modules)} modules skip type checking, more than {GRADUAL_LIST_MAX}: "
        "type the new module instead of adding it to the gradual list"
    )


@pytest.mark.parametrize("module", gradual_list())
def test_every_gradual_module_exists(module):
    path = SRC / Path(*module.removesuffix(".*").split("."))
    assert path.with_suffix(".py").exists() or (path / "__init__.py").exists(), (
        f"{module} is gone: take it off the gradual list (and lower GRADUAL_LIST_MAX)"
    )


def test_no_module_is_over_600_lines():
    """Every module under src/victimcare but the migrations is at most MODULE_LINES_MAX
    lines: split a longer one by job into sibling modules (or a package)."""
    package = SRC / "victimcare"
    long = {}
    for path in sorted(package.rglob("*.py")):
        if "migrations" in path.relative_to(package).parts:
            continue
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MODULE_LINES_MAX:
            long[str(path.relative_to(SRC))] = lines
    assert not long, (
        f"over {MODULE_LINES_MAX} lines, split by job into sibling modules: "
        + ", ".join(f"{name} ({lines})" for name, lines in long.items())
    )
