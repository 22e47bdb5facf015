"""`victimcare demo` and `victimcare seed`: the synthetic demo world.

Wired up in victimcare/cli.py (see the pattern there). The demo services (and through them
Django's models) are imported inside the handlers, not here: `victimcare --help` imports
this module to build its parser and must stay fast.
"""

from __future__ import annotations

import argparse

from victimcare.core.commandline import (
    AddCommand,
    CommandError,
    calendar_day,
    non_negative_int,
    setup_django,
)


def cmd_seed(args: argparse.Namespace) -> int:
    setup_django()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from victimcare.demo.services import DemoWorldError, demo_world_build

    try:
        result = demo_world_build(
            scale=args.scale,
            seed=args.seed,
            reset=args.reset,
            progress=not args.quiet,
            as_of=args.as_of,
        )
    except DemoWorldError as error:
        raise CommandError(str(error)) from None
    print(result.summary)
    if not args.quiet:
        print_demo_logins()
    return 0


def print_demo_logins() -> None:
    from django.conf import settings

    from victimcare.demo.logins import demo_logins, demo_logins_enrol

    demo_logins_enrol()
    logins = demo_logins()
    if not logins:
        return
    print(f"\nDemo logins (synthetic staff; password for all: {settings.DEMO_PASSWORD})")
    print(
        "Each signs in with a code from an authenticator app: add the login's key to the app\n"
        "(time-based, 6 digits), or print the code now with `oathtool --totp -b KEY`."
    )
    width = max(len(login.username) for login in logins)
    key_width = max(len(login.totp_secret) for login in logins)
    print(f"  {'login':<{width}}  {'authenticator key':<{key_width}}  sees")
    for login in logins:
        print(f"  {login.username:<{width}}  {login.totp_secret:<{key_width}}  {login.description}")


SCALES = ("small", "london", "national")
SCALE_HELP = (
    "size of the synthetic world: small (the Met, Greater Manchester and West Midlands, "
    "a year, about 20,000 cases, under a minute), london (the Met at full volume, about "
    "900,000 cases), national (all 43 forces, about 6 million cases, for benchmarks)"
)
AS_OF_HELP = (
    "the last day of the world's year of activity, YYYY-MM-DD, not after today (default: "
    "VICTIMCARE_DEMO_AS_OF, else today in London); the same seed and day give the same world"
)


def add_as_of(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--as-of", type=calendar_day, default=None, help=AS_OF_HELP)


def add_seed(add: AddCommand) -> None:
    seed = add(
        "seed",
        cmd_seed,
        "generate the deterministic synthetic demo world",
        epilog="example:\n  victimcare seed --scale small --seed 1 --as-of 2026-09-30",
    )
    seed.add_argument("--scale", choices=SCALES, default="small", help=SCALE_HELP)
    seed.add_argument(
        "--seed", type=non_negative_int, default=1, help="random seed; same seed, same world"
    )
    seed.add_argument(
        "--reset",
        action="store_true",
        help="delete an existing demo world first (only ever demo data)",
    )
    add_as_of(seed)
    seed.add_argument("--quiet", action="store_true", help="print only the summary")


PARSERS = {"seed": add_seed}
