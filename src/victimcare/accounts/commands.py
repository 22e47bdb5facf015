"""`victimcare createstaff` and `victimcare token`: staff accounts and API tokens.

Wired up in victimcare/cli.py (see the pattern there). The services and models are
imported inside the handlers, not here: `victimcare --help` imports this module to build
its parser and must stay fast (only the Role choices, which need no database).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from victimcare.core.commandline import AddCommand, CommandError, setup_django


def cmd_createstaff(args: argparse.Namespace) -> int:
    setup_django()
    from django.core.exceptions import ValidationError

    from victimcare.accounts.constants import Role
    from victimcare.accounts.services import SUPERUSER_HAS_NO_FORCE, StaffError, staff_create
    from victimcare.forces.models import Force

    if args.superuser:
        if args.force or args.team or args.oversees:
            raise CommandError(SUPERUSER_HAS_NO_FORCE)
        if args.role not in ("", Role.ADMINISTRATOR):
            raise CommandError("a superuser has the administrator role: leave out --role")
        role, force = Role.ADMINISTRATOR, None
    else:
        if not args.role or not args.force:
            raise CommandError("--role and --force are needed (or --superuser)")
        role = args.role
        force = Force.objects.filter(code__iexact=args.force).first()
        if force is None:
            raise CommandError(f"no force with code {args.force!r} (run `victimcare seed` first?)")
    oversees = []
    for code in args.oversees.split(",") if args.oversees else []:
        overseen = Force.objects.filter(code__iexact=code.strip()).first()
        if overseen is None:
            raise CommandError(f"--oversees: no force with code {code.strip()!r}")
        oversees.append(overseen)
    team = None
    if args.team and force is not None:
        from victimcare.forces.models import Team

        team = Team.objects.filter(force=force, code__iexact=args.team.strip()).first()
        if team is None:
            known = ", ".join(Team.objects.filter(force=force).values_list("code", flat=True)[:10])
            raise CommandError(
                f"--team: {force.code} has no team with code {args.team.strip()!r}"
                + (f" (its teams include: {known})" if known else " (it has no teams yet)")
            )
    password = os.environ.get("VICTIMCARE_STAFF_PASSWORD") or ""
    if not password:
        if not sys.stdin.isatty():
            raise CommandError(
                "no password: set VICTIMCARE_STAFF_PASSWORD or run in a terminal to be asked"
            )
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Password (again): "):
            raise CommandError("the two passwords differ")
    try:
        # Checks the password against the validators with the new user (username, names,
        # email), so one like the username is refused.
        user = staff_create(
            username=args.username,
            password=password,
            role=role,
            force=force,
            first_name=args.first_name,
            last_name=args.last_name,
            email=args.email,
            oversees=oversees or None,
            team=team,
            superuser=args.superuser,
        )
    except (StaffError, ValidationError) as error:
        message = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        raise CommandError(message) from None
    if args.superuser:
        print(f"Created platform superuser {user.username} (no force)")
        return 0
    where = f"{team.name}, {force.name}" if team and force else getattr(force, "name", "")
    print(f"Created {user.get_role_display().lower()} {user.username} in {where}")
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    setup_django()
    from victimcare.accounts.models import ServiceToken
    from victimcare.accounts.services import (
        StaffError,
        service_token_create,
        service_token_revoke,
    )
    from victimcare.forces.models import Force

    if args.action == "list":
        tokens = ServiceToken.objects.select_related("force").order_by("force__code", "name")
        if args.force:
            tokens = tokens.filter(force__code__iexact=args.force)
        for token in tokens:
            state = "revoked" if token.revoked_at else "active"
            used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
            print(f"{token.force.code}\t{token.name}\t{token.prefix}\t{state}\tlast used {used}")
        return 0
    if not args.force or not args.name:
        raise CommandError(f"token {args.action} needs --force and --name")
    force = Force.objects.filter(code__iexact=args.force).first()
    if force is None:
        raise CommandError(f"no force with code {args.force!r}")
    if args.action == "create":
        try:
            secret = service_token_create(force=force, name=args.name)
        except StaffError as error:
            raise CommandError(str(error)) from None
        print(secret)
        print(
            f"Token {args.name!r} for {force.name}. It is shown only now: store it in the "
            "records system's secrets. Send it as 'Authorization: Bearer <token>'.",
            file=sys.stderr,
        )
        return 0
    revoked = service_token_revoke(force=force, name=args.name)
    if not revoked:
        raise CommandError(f"{force.code} has no active token named {args.name!r}")
    print(f"Revoked token {args.name!r} of {force.name}")
    return 0


def add_createstaff(add: AddCommand) -> None:
    staff = add(
        "createstaff",
        cmd_createstaff,
        "create a staff account in a force, or a platform superuser",
        epilog=(
            "The password is asked for, or read from VICTIMCARE_STAFF_PASSWORD; one like\n"
            "the username, the names or the email is refused.\n"
            "A force's administrators (--role administrator) manage its own staff, teams\n"
            "and areas in the administration site. National data (forces, crime types,\n"
            "peer groups, support organisations) is managed by a platform superuser, who\n"
            "belongs to no force; this command is the only way to make one.\n"
            "examples:\n  victimcare createstaff --username jo.bloggs --role officer --force MPS\n"
            "  victimcare createstaff --username platform.admin --superuser"
        ),
    )
    from victimcare.accounts.constants import Role

    staff.add_argument("--username", required=True)
    staff.add_argument(
        "--role", default="", choices=Role.values, help="required unless --superuser"
    )
    staff.add_argument(
        "--force", default="", help="force code, e.g. MPS; required unless --superuser"
    )
    staff.add_argument(
        "--superuser",
        action="store_true",
        help="a platform superuser: no force, manages national data in the administration site",
    )
    staff.add_argument("--first-name", default="")
    staff.add_argument("--last-name", default="")
    staff.add_argument("--email", default="")
    staff.add_argument(
        "--oversees", default="", help="for oversight users: force codes, comma-separated"
    )
    staff.add_argument(
        "--team",
        default="",
        metavar="CODE",
        help="code of a team in the staff member's force (see the administration site), "
        "e.g. hackney-response; compliance can be read by team",
    )


def add_token(add: AddCommand) -> None:
    token = add(
        "token",
        cmd_token,
        "create, list or revoke records-system API tokens (one force each)",
        epilog=(
            "examples:\n  victimcare token create --force MPS --name rms\n"
            "  victimcare token list --force MPS\n  victimcare token revoke --force MPS --name rms"
        ),
    )
    token.add_argument("action", choices=["create", "list", "revoke"])
    token.add_argument("--force", default="", help="force code, e.g. MPS")
    token.add_argument("--name", default="", help="what uses the token, e.g. rms")


PARSERS = {"createstaff": add_createstaff, "token": add_token}
