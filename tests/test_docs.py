"""Docs travel with the code: every setting and every subcommand is in the README."""

from pathlib import Path

from victimcare.cli import build_parser
from victimcare.config.env import SETTINGS_DOC

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_every_environment_setting_is_documented_in_the_readme():
    missing = [name for name in SETTINGS_DOC if f"`{name}`" not in README]
    assert not missing, f"settings missing from README.md: {missing}"


def test_every_subcommand_is_documented_in_the_readme():
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    missing = [name for name in subparsers.choices if f"victimcare {name}" not in README]
    assert not missing, f"subcommands missing from README.md: {missing}"


def test_the_readme_starts_with_the_two_commands():
    head = README[:1500]
    assert "make demo" in head
    assert "make test" in head


def test_architecture_describes_every_app():
    architecture = (ROOT / "ARCHITECTURE.md").read_text()
    apps = [p.name for p in (ROOT / "src" / "victimcare").iterdir() if (p / "apps.py").exists()]
    missing = [app for app in apps if f"{app}/" not in architecture]
    assert not missing, f"apps missing from ARCHITECTURE.md: {missing}"
