"""The `victimcare` command: run, seed, administer and analyse victimcare.

Each subcommand prints its own help: `victimcare SUBCOMMAND --help`.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable, Sequence

PROG = "victimcare"

DESCRIPTION = """\
victimcare: Total Victim Care, clocked and measured.

Victims report through any channel and follow their case; every Victims' Code
obligation is clocked; satisfaction is measured with design-based statistics.
Settings come from the environment (DATABASE_URL, VICTIMCARE_*; see README.md).
With none set, an embedded SQLite database under ./var is used."""

EPILOG = """\
examples:
  victimcare demo                       build the synthetic demo world and serve it
  victimcare demo --no-serve            build it and exit (for scripts)
  victimcare seed --scale small --seed 7
  victimcare createstaff --username jo.bloggs --role officer --force MPS
  victimcare estimate responses.csv --y satisfied --stat proportion --strata stratum
"""


class CommandError(Exception):
    """A subcommand cannot go on; the message is printed as one line and exit code 2."""


def fail(message: str) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return 2


def setup_django(*, check_database: bool = True) -> None:
    """Load settings (which may reject a bad DATABASE_URL) and, if asked, reach the database."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "victimcare.config.settings")
    from victimcare.config.env import SettingsError

    try:
        import django

        django.setup()
    except SettingsError as error:
        raise CommandError(str(error)) from None
    if check_database:
        database_check()


def database_check() -> None:
    from django.db import DatabaseError, connection

    try:
        connection.ensure_connection()
    except DatabaseError as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        where = "DATABASE_URL" if os.environ.get("DATABASE_URL") else "the embedded database"
        raise CommandError(f"cannot connect to {where}: {reason}") from None


# --- subcommands -------------------------------------------------------------------------


def cmd_migrate(args: argparse.Namespace) -> int:
    setup_django()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0 if args.quiet else 1)
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    setup_django()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from victimcare.demo.services import DemoWorldError, demo_world_build

    try:
        result = demo_world_build(
            scale=args.scale, seed=args.seed, reset=args.reset, progress=not args.quiet
        )
    except DemoWorldError as error:
        raise CommandError(str(error)) from None
    print(result.summary)
    if not args.quiet:
        print_demo_logins()
    return 0


def print_demo_logins() -> None:
    from django.conf import settings

    from victimcare.demo.services import demo_logins, demo_logins_enrol

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


def cmd_demo(args: argparse.Namespace) -> int:
    setup_django()
    from django.core.management import call_command

    print("Migrating the database ...")
    call_command("migrate", interactive=False, verbosity=0)
    from victimcare.demo.services import DemoWorldError, demo_world_build

    try:
        result = demo_world_build(scale=args.scale, seed=args.seed, reset=False, progress=True)
    except DemoWorldError as error:
        raise CommandError(str(error)) from None
    print(result.summary)
    print_demo_logins()
    if args.no_serve:
        return 0
    return serve_with_worker(args)


def cmd_serve(args: argparse.Namespace) -> int:
    setup_django()
    return serve_with_worker(args)


def serve_with_worker(args: argparse.Namespace) -> int:
    """Serve the site; unless --no-worker, with the background worker beside it: the web
    server and the worker are children of this process, which restarts the worker if it
    dies and stops both on SIGINT or SIGTERM (see victimcare/supervise.py)."""
    if args.no_worker:
        return serve(host=args.host, port=args.port, workers=args.workers, threads=args.threads)
    from django.conf import settings
    from django.db import connections

    from victimcare.supervise import Child, supervise

    connections.close_all()  # the children open their own
    command = [sys.executable, "-m", "victimcare"]
    web = [
        *command,
        "serve",
        "--no-worker",
        f"--host={args.host}",
        f"--port={args.port}",
        f"--workers={args.workers}",
        f"--threads={args.threads}",
    ]
    if settings.EMAIL_BACKEND.endswith("filebased.EmailBackend"):
        where = f"email is written to {settings.EMAIL_FILE_PATH}"
    else:
        where = "email goes by the configured backend"
    print(
        "Starting the background worker too: it sends Victim Care Cards, sign-in codes and "
        f"other messages within seconds ({where}) and runs the schedule "
        "(breaches, survey reminders, draft purge). --no-worker leaves it out.",
        flush=True,
    )
    return supervise(
        [
            Child("web server", web, restart=False),
            Child("worker", [*command, "worker"], restart=True),
        ]
    )


def serve(*, host: str, port: int, workers: int, threads: int = 4) -> int:
    from gunicorn.app.base import BaseApplication
    from gunicorn.glogging import Logger

    from victimcare.config.wsgi import application

    class AccessLogger(Logger):
        """gunicorn's logger, working out only the atoms of the format below: gunicorn's
        own works out every header and environ variable of every request, for a line that
        uses six (``benchmarks/profile_api.py`` shows the cost)."""

        def atoms(self, resp, req, environ, request_time):  # noqa: ARG002 (gunicorn's Logger.atoms signature)
            status = resp.status
            sent = getattr(resp, "sent", None)
            return {
                "h": environ.get("REMOTE_ADDR", "-"),
                "m": environ.get("REQUEST_METHOD"),
                "U": environ.get("PATH_INFO"),
                "s": status.split(None, 1)[0] if isinstance(status, str) else status,
                "b": str(sent) if sent is not None else "-",
                "M": request_time.seconds * 1000 + request_time.microseconds // 1000,
            }

    class Server(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("threads", threads)
            self.cfg.set("accesslog", "-")
            # Access logs carry the path only: never query strings, which could hold input.
            self.cfg.set("access_log_format", '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms')
            self.cfg.set("logger_class", AccessLogger)

        def load(self):
            return application

    # Loaded here, in the master, what each worker would otherwise load on its first
    # request (the URLconf with every view; the working-day calendar for the Victims' Code
    # deadlines): workers are forked with it, so none stalls the requests queued behind its
    # first one.
    from django.db import connections
    from django.urls import get_resolver

    from victimcare.care.deadlines import working_day_table

    get_resolver().url_patterns  # noqa: B018 (imports the URLconf)
    working_day_table()
    # The database check in setup_django connected in this process; a connection the
    # workers all inherited would be one socket shared by several processes, their
    # statements and results interleaved (duplicate references, lost answers).
    connections.close_all()
    print(f"\nServing victimcare on http://{host}:{port}/  (Ctrl-C to stop)", flush=True)
    Server().run()
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    setup_django()
    from victimcare.core.worker import worker_run
    from victimcare.schedule import ScheduleThread, scheduled_runs_claim

    if not args.batch:
        # Loaded now, not by the first message that links to the site (reverse() loads
        # every view): the first report's care card then does not wait for it.
        from django.urls import get_resolver

        get_resolver().url_patterns  # noqa: B018 (imports the URLconf)
    if not args.no_schedule:
        if args.batch:
            scheduled_runs_claim()  # the jobs due now join the tasks this batch runs
        else:
            ScheduleThread().start()
    # django-tasks' db_worker, with a lock that shows it is alive, so the tasks of a killed
    # worker are run again, and retries of what a lost database connection interrupted.
    # Polled every second when idle, so a message queued by a report goes within seconds.
    worker_run(batch=args.batch, interval=1.0)
    return 0


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
    if args.team:
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
    where = f"{team.name}, {force.name}" if team else force.name
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
            token = service_token_create(force=force, name=args.name)
        except StaffError as error:
            raise CommandError(str(error)) from None
        print(token)
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


def cmd_drafts(args: argparse.Namespace) -> int:  # noqa: ARG001 (one action)
    setup_django()
    from victimcare.intake.services import draft_purge_expired

    print(f"{draft_purge_expired():,} expired report drafts deleted")
    return 0


def cmd_estimate(args: argparse.Namespace) -> int:
    from victimcare.estimation.cli import main as estimate_main

    return estimate_main(args.rest, prog=f"{PROG} estimate")


def cmd_sae(args: argparse.Namespace) -> int:
    from victimcare.estimation.sae_cli import main as sae_main

    return sae_main(args.rest, prog=f"{PROG} sae")


def cmd_survey(args: argparse.Namespace) -> int:
    setup_django()
    from victimcare.surveys.commands import run

    return run(args, CommandError)


def _oversight_forces(codes: str) -> list:
    from victimcare.forces.models import Force

    forces = []
    for code in (c.strip() for c in codes.split(",") if c.strip()):
        force = Force.objects.filter(code__iexact=code).first()
        if force is None:
            raise CommandError(f"no force with code {code!r}")
        forces.append(force)
    return forces


def _oversight_quarter(text: str):
    from victimcare.oversight.periods import PeriodError, Quarter

    try:
        return Quarter.parse(text)
    except PeriodError as error:
        raise CommandError(str(error)) from None


def cmd_report_pack(args: argparse.Namespace) -> int:
    setup_django()
    from pathlib import Path

    from victimcare.oversight.report import report_pack_pdf

    quarter = _oversight_quarter(args.period)
    forces = _oversight_forces(args.force)
    if len(forces) != 1:
        raise CommandError("--force needs exactly one force code")
    force = forces[0]
    pdf = report_pack_pdf(force=force, quarter=quarter)
    Path(args.out).write_bytes(pdf)
    print(f"Wrote the {force.code} report pack for {quarter.label} to {args.out}")
    return 0


def cmd_open_data(args: argparse.Namespace) -> int:
    setup_django()
    from pathlib import Path

    from victimcare.forces.models import Force
    from victimcare.oversight.constants import OGL_NOTICE
    from victimcare.oversight.opendata import dictionary_csv, open_data_csv

    if args.threshold is not None and args.threshold < 1:
        raise CommandError("--threshold must be at least 1")
    quarter = _oversight_quarter(args.period)
    forces = _oversight_forces(args.force) if args.force else list(Force.objects.order_by("code"))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    data = out / f"victim-satisfaction-{quarter.code}.csv"
    data.write_text(open_data_csv(forces=forces, quarter=quarter, threshold=args.threshold))
    (out / "data-dictionary.csv").write_text(dictionary_csv(threshold=args.threshold))
    (out / "LICENCE.txt").write_text(OGL_NOTICE + "\n")
    print(f"Wrote {data}, data-dictionary.csv and LICENCE.txt to {out}")
    return 0


def cmd_compliance_return(args: argparse.Namespace) -> int:
    """The Victims and Prisoners Act compliance return (oversight/compliance_return.py)."""
    quarter = _oversight_quarter(args.quarter)
    setup_django()
    from pathlib import Path

    from victimcare.oversight.compliance_return import compliance_return, readme_text, return_csv

    forces = _oversight_forces(args.force)
    if len(forces) != 1:
        raise CommandError("--force needs exactly one force code")
    result = compliance_return(force=forces[0], quarter=quarter)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "return.csv").write_text(return_csv(result.rows()), encoding="utf-8")
    (out / "README.txt").write_text(readme_text(result), encoding="utf-8")
    print(f"Wrote return.csv and README.txt for {forces[0].code} {quarter.code} to {out}")
    return 0


def add_compliance_return_parser(add: Callable) -> None:
    command = add(
        "compliance-return",
        cmd_compliance_return,
        "the Victims and Prisoners Act compliance return of a force for a quarter (CSV and "
        "README), counted per victim, small cells suppressed",
        epilog="example:\n  victimcare compliance-return --force MPS --quarter 2026Q3 --out vpa/",
    )
    command.add_argument("--force", required=True, help="force code, e.g. MPS")
    command.add_argument("--quarter", required=True, help="quarter, e.g. 2026Q3")
    command.add_argument(
        "--out", required=True, help="folder to write return.csv and README.txt into"
    )


def cmd_import(args: argparse.Namespace) -> int:
    """Bulk import of cases from a records system's CSV export (see intake/importer.py)."""
    from pathlib import Path

    source = Path(args.file)
    if not source.is_file():
        raise CommandError(f"no such file: {args.file}")
    if args.batch_size < 1:
        raise CommandError("--batch-size must be 1 or more")
    setup_django()
    import time

    from victimcare.forces.models import Force
    from victimcare.intake.importer import ImportError_, ImportSummary, cases_import_file

    force = Force.objects.filter(code__iexact=args.force).first()
    if force is None:
        raise CommandError(f"no force with code {args.force!r}")
    rejects = Path(args.rejects) if args.rejects else source.with_name(source.stem + ".rejects.csv")
    started = time.monotonic()
    live = sys.stderr.isatty()
    summary = ImportSummary(rejects_path=str(rejects))

    printed = [0.0]  # when a progress line last went to a log (not a terminal)

    def progress(done: ImportSummary) -> None:
        if done.to_clock:  # the rows are in; the care clock is being started
            line = f"{done.line()}; clocks started {done.clocked:,} of {done.to_clock:,}"
        else:
            rate = done.read / max(time.monotonic() - started, 1e-6)
            line = f"{done.line()}  ({rate:,.0f} rows/s)"
        if live:
            print(f"\r{line}", end="", file=sys.stderr, flush=True)
        elif time.monotonic() - printed[0] >= 10:
            printed[0] = time.monotonic()
            print(line, file=sys.stderr, flush=True)

    try:
        cases_import_file(
            path=source,
            force=force,
            rejects_path=rejects,
            system=args.system,
            batch_size=args.batch_size,
            clock=not args.no_clock,
            backfill=args.backfill,
            progress=None if args.quiet else progress,
            summary=summary,
        )
    except ImportError_ as error:
        raise CommandError(str(error)) from None
    except KeyboardInterrupt:
        print(f"\ninterrupted; committed so far: {summary.line()}", file=sys.stderr)
        raise
    if live and not args.quiet:
        print(file=sys.stderr)
    elapsed = time.monotonic() - started
    where = f"rejects in {rejects}" if summary.rejected else "no rows rejected"
    print(f"{summary.line()} in {elapsed:,.1f}s; {where}")
    if summary.to_clock:
        print(
            f"Victims' Code clocks started for {summary.clocked:,} cases in "
            f"{summary.clock_seconds:,.1f}s, once the rows were in"
        )
    for note in summary.notes:
        print(f"note: {note}")
    if summary.rejected and not summary.imported:
        print(f"error: no row was imported; see why in {rejects}", file=sys.stderr)
        return 1
    return 0


def cmd_manage(args: argparse.Namespace) -> int:
    if args.rest[:1] == ["createsuperuser"]:
        # Django's would make a superuser with no role, possibly in a force.
        raise CommandError(
            "superusers are made with `victimcare createstaff --username U --superuser`"
        )
    setup_django(check_database=False)
    from django.core.management import execute_from_command_line

    execute_from_command_line([f"{PROG} manage", *args.rest])
    return 0


# --- parser ------------------------------------------------------------------------------


def non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be zero or more, not {value}")
    return value


def port_number(text: str) -> int:
    value = non_negative_int(text)
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be between 1 and 65535, not {value}")
    return value


SCALES = ("small", "london", "national")
SCALE_HELP = (
    "size of the synthetic world: small (the Met, Greater Manchester and West Midlands, "
    "a year, about 20,000 cases, under a minute), london (the Met at full volume, about "
    "900,000 cases), national (all 43 forces, about 6 million cases, for benchmarks)"
)


def add_serve_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (%(default)s)")
    parser.add_argument("--port", type=port_number, default=8000, help="port (%(default)s)")
    parser.add_argument(
        "--workers", type=port_number, default=2, help="web worker processes (%(default)s)"
    )
    parser.add_argument(
        "--threads",
        type=port_number,
        default=4,
        help="threads per worker process (%(default)s); 1 suits CPU-bound API load",
    )
    parser.add_argument(
        "--no-worker",
        action="store_true",
        help="serve only: start no background worker beside the web server (run "
        "`victimcare worker` yourself, e.g. as its own service)",
    )


SERVE_EPILOG = """\
Unless --no-worker, the background worker runs beside the web server, as in
`victimcare worker`: queued messages (Victim Care Cards, sign-in codes, updates) go
within seconds, and the schedule runs (see `victimcare worker --help`). The worker is
restarted if it dies (back-off from 1 to 60 seconds, logged); Ctrl-C or SIGTERM stops
both. With the default file backend, email lands in var/email/ and text messages in
var/sms/outbox.jsonl."""

WORKER_EPILOG = """\
Queued tasks are polled every second. Unless --no-schedule, the worker also runs the
jobs that used to need cron, each once a period however many workers run (the claim
is a row per job and period in the database):
  care-breaches        every 5 minutes  mark overdue obligations breached, alert each
  survey-fieldwork     every hour       due survey reminders, close expired links
  drafts-purge         every day        delete report drafts past their 7 days
  task-results-prune   every day        delete finished task results after 14 days
Outcomes are logged (counts only). `victimcare serve` starts a worker by itself unless
--no-worker; in production run `serve --no-worker` and `worker` as two services."""


def build_parser() -> argparse.ArgumentParser:
    from victimcare import __version__

    parser = argparse.ArgumentParser(
        prog=PROG,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="SUBCOMMAND", title="subcommands")

    def add(name: str, handler: Callable, help_text: str, **kwargs) -> argparse.ArgumentParser:
        command = sub.add_parser(
            name,
            help=help_text,
            description=kwargs.pop("description", help_text),
            epilog=kwargs.pop("epilog", None),
            formatter_class=argparse.RawDescriptionHelpFormatter,
            **kwargs,
        )
        command.set_defaults(handler=handler)
        return command

    demo = add(
        "demo",
        cmd_demo,
        "build the synthetic demo world (once) and serve it with the background worker, "
        "printing the demo logins",
        description=(
            "Migrate the database, load the synthetic demo world if it is not loaded yet "
            "(a second run does not duplicate it), print the demo logins and serve the site "
            "with the background worker beside it.\n"
            "Each login is printed with the key of its authenticator app (set up for it): add\n"
            "the key to an authenticator app, or get the current sign-in code with\n"
            "`oathtool --totp -b KEY`."
        ),
        epilog=SERVE_EPILOG,
    )
    demo.add_argument("--no-serve", action="store_true", help="build the database and exit")
    demo.add_argument("--scale", choices=SCALES, default="small", help=SCALE_HELP)
    demo.add_argument("--seed", type=non_negative_int, default=1, help="random seed (%(default)s)")
    add_serve_options(demo)

    serve_parser = add(
        "serve",
        cmd_serve,
        "serve the site (gunicorn) on the database as it is, with the background worker",
        epilog=SERVE_EPILOG,
    )
    add_serve_options(serve_parser)

    worker = add(
        "worker",
        cmd_worker,
        "run background tasks from the database queue (django-tasks) and the schedule",
        description=(
            "Run background tasks (messages to victims, Victim Care Cards, visit answers) from "
            "the database queue. Run as many as you like, always through this command: each "
            "holds a lock that shows it is alive, and the tasks of a worker that died (killed, "
            "out of memory) are run again by the others, or by the next one to start. A task "
            "cut off by a lost database connection runs again, and the worker reconnects."
        ),
        epilog=WORKER_EPILOG,
    )
    worker.add_argument(
        "--batch",
        action="store_true",
        help="run the tasks waiting now (and the scheduled jobs due now), then exit",
    )
    worker.add_argument(
        "--no-schedule",
        action="store_true",
        help="run queued tasks only, for a deployment whose schedule runs in another worker",
    )

    seed = add(
        "seed",
        cmd_seed,
        "generate the deterministic synthetic demo world",
        epilog="example:\n  victimcare seed --scale small --seed 1",
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
    seed.add_argument("--quiet", action="store_true", help="print only the summary")

    migrate = add("migrate", cmd_migrate, "create or update the database tables")
    migrate.add_argument("--quiet", action="store_true", help="print nothing on success")

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

    drafts = add(
        "drafts",
        cmd_drafts,
        "delete online report drafts past their 7 days",
        epilog=(
            "Starting a report also deletes expired drafts, and `victimcare worker` (and so\n"
            "`victimcare serve`) purges them daily by itself; this purges them now.\n"
            "example:\n  victimcare drafts purge"
        ),
    )
    drafts.add_argument("action", choices=["purge"])

    estimate = add(
        "estimate",
        cmd_estimate,
        "design-based survey estimates from a CSV or Parquet file (see estimate --help)",
        add_help=False,
    )
    estimate.add_argument("rest", nargs=argparse.REMAINDER)

    sae = add(
        "sae",
        cmd_sae,
        "small-area (Fay-Herriot) estimates from direct estimates per area (see sae --help)",
        add_help=False,
    )
    sae.add_argument("rest", nargs=argparse.REMAINDER)

    survey = add(
        "survey",
        cmd_survey,
        "victim satisfaction survey: draw samples, invite, export to and import from "
        "agencies, write microdata",
        epilog=(
            "examples:\n  victimcare survey sample --force MPS --month 2026-09\n"
            "  victimcare survey import results.csv\n"
            "  victimcare survey microdata --force MPS --from 2026-01 --to 2026-12 --out mps.csv"
        ),
    )
    from victimcare.surveys.commands import add_arguments as add_survey_arguments

    add_survey_arguments(survey)

    pack = add(
        "report-pack",
        cmd_report_pack,
        "the Police and Crime Committee report pack (PDF) for a force and quarter",
        epilog="example:\n  victimcare report-pack --force MPS --period 2026Q3 --out pack.pdf",
    )
    pack.add_argument("--force", required=True, help="force code, e.g. MPS")
    pack.add_argument("--period", required=True, help="quarter, e.g. 2026Q3")
    pack.add_argument("--out", required=True, help="PDF file to write")

    open_data = add(
        "open-data",
        cmd_open_data,
        "quarterly satisfaction aggregates as open data (CSV, data dictionary, licence), "
        "small cells suppressed",
        epilog="example:\n  victimcare open-data --period 2026Q3 --out open-data/",
    )
    open_data.add_argument("--period", required=True, help="quarter, e.g. 2026Q3")
    open_data.add_argument("--out", required=True, help="folder to write the files into")
    open_data.add_argument(
        "--force", default="", help="force codes, comma-separated (default: every force)"
    )
    open_data.add_argument(
        "--threshold",
        type=int,
        default=None,
        help="suppress cells with fewer responses than this "
        "(default: VICTIMCARE_OPEN_DATA_THRESHOLD, else 30)",
    )

    add_compliance_return_parser(add)

    import_parser = add(
        "import",
        cmd_import,
        "bulk-import cases from a records system's CSV export (safe to re-run)",
        epilog=(
            "Columns: crime_reference, reported_at, crime_type, area, given_name, family_name\n"
            "(required); occurred_at, summary, date_of_birth, email, phone, phone_is_safe,\n"
            "address, postcode, preferred_contact, times_to_avoid, status (optional).\n"
            "Rows already imported (same crime_reference) are skipped; rejected rows go\n"
            "to FILE.rejects.csv with the reason (no file when none is rejected).\n"
            "Exit status: 0 when done, 1 when rows were rejected and none imported,\n"
            "2 when the file or an option is wrong.\n"
            "example:\n  victimcare import cases history.csv --force MPS"
        ),
    )
    import_parser.add_argument("what", choices=["cases"], help="what to import")
    import_parser.add_argument("file", metavar="FILE.csv", help="UTF-8 CSV with a header line")
    import_parser.add_argument("--force", required=True, help="force code, e.g. MPS")
    import_parser.add_argument(
        "--system", default="rms", help="the records system the references belong to (%(default)s)"
    )
    import_parser.add_argument("--rejects", default="", help="where to write rejected rows")
    import_parser.add_argument(
        "--batch-size",
        type=non_negative_int,
        default=100_000,
        help="rows a transaction (%(default)s)",
    )
    import_parser.add_argument(
        "--no-clock", action="store_true", help="do not start Victims' Code clocks for the cases"
    )
    import_parser.add_argument(
        "--backfill",
        action="store_true",
        help="PostgreSQL: check foreign keys once per batch instead of once per row, "
        "for loading history faster; needs a superuser or, on PostgreSQL 15+, GRANT SET ON "
        "PARAMETER session_replication_role",
    )
    import_parser.add_argument("--quiet", action="store_true", help="no progress line")

    manage = add("manage", cmd_manage, "run a Django management command", add_help=False)
    manage.add_argument("rest", nargs=argparse.REMAINDER)
    return parser


# Subcommands whose arguments belong to another parser, passed on untouched (argparse's
# REMAINDER would swallow neither a leading --help nor options).
PASSTHROUGH = {"estimate": cmd_estimate, "manage": cmd_manage, "sae": cmd_sae}


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments and arguments[0] in PASSTHROUGH:
        try:
            return PASSTHROUGH[arguments[0]](argparse.Namespace(rest=arguments[1:])) or 0
        except CommandError as error:
            return fail(str(error))
    parser = build_parser()
    args = parser.parse_args(arguments)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 0
    try:
        return args.handler(args) or 0
    except CommandError as error:
        return fail(str(error))
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
