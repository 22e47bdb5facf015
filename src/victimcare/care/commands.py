"""`victimcare care`: the Victims' Code clock, run now.

Wired up in victimcare/cli.py (see the pattern there). The services and models are
imported inside the handler, not here: `victimcare --help` imports this module to build
its parser and must stay fast.
"""

from __future__ import annotations

import argparse

from victimcare.core.commandline import AddCommand, CommandError, setup_django


def cmd_care(args: argparse.Namespace) -> int:
    setup_django()
    from victimcare.care.services import obligations_mark_breached, obligations_rebuild
    from victimcare.cases.models import Case

    if args.action == "breaches":
        marked = obligations_mark_breached()
        print(f"{marked:,} obligations newly marked breached (alerts raised for each)")
        return 0
    cases = Case.objects.all()
    if args.force:
        cases = cases.filter(force__code__iexact=args.force)
        if not cases.exists():
            raise CommandError(f"no cases in a force with code {args.force!r}")
    written = obligations_rebuild(cases=cases)
    print(f"{written:,} obligations recomputed from the case logs")
    return 0


def add_care(add: AddCommand) -> None:
    care = add(
        "care",
        cmd_care,
        "Victims' Code clock: mark overdue obligations breached, or rebuild them from the logs",
        epilog=(
            "`victimcare worker` (and so `victimcare serve`) marks breaches every 5 minutes\n"
            "by itself; this runs it now.\n"
            "On PostgreSQL a rebuild of 200,000 cases or more is shared between\n"
            "VICTIMCARE_REBUILD_WORKERS connections (default 2) and lands whole or not at all.\n"
            "examples:\n  victimcare care breaches\n  victimcare care rebuild --force MPS"
        ),
    )
    care.add_argument("action", choices=["breaches", "rebuild"])
    care.add_argument("--force", default="", help="with rebuild: only this force's cases")


PARSERS = {"care": add_care}
