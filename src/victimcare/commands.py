"""`victimcare demo`, `serve`, `worker`, `migrate`, `estimate` and `manage`: the commands of the
product as a whole: building and serving the demo, running the site and its database, and the
two commands that forward their arguments (to the standalone estimation library, to Django).

Wired up in victimcare/cli.py (see the pattern there). Django, gunicorn and the models are
imported inside the handlers, not here: `victimcare --help` imports this module to build
its parser and must stay fast.
"""

from __future__ import annotations

import argparse
import sys

from victimcare.core.commandline import (
    PROG,
    AddCommand,
    CommandError,
    non_negative_int,
    port_number,
    setup_django,
)
from victimcare.demo.commands import SCALE_HELP, SCALES, add_as_of, print_demo_logins


def cmd_migrate(args: argparse.Namespace) -> int:
    setup_django()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0 if args.quiet else 1)
    return 0


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
  care-compliance-figures  every 5 minutes  each force's compliance figures, kept ready
  care-breach-digest   every day        email supervisors the day's missed deadlines
  survey-fieldwork     every hour       due survey reminders, close expired links
  drafts-purge         every day        delete report drafts past their 7 days
  task-results-prune   every day        delete finished task results after 14 days
Outcomes are logged (counts only). `victimcare serve` starts a worker by itself unless
--no-worker; in production run `serve --no-worker` and `worker` as two services."""


def add_serve(add: AddCommand) -> None:
    serve_parser = add(
        "serve",
        cmd_serve,
        "serve the site (gunicorn) on the database as it is, with the background worker",
        epilog=SERVE_EPILOG,
    )
    add_serve_options(serve_parser)


def add_worker(add: AddCommand) -> None:
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


def add_migrate(add: AddCommand) -> None:
    migrate = add("migrate", cmd_migrate, "create or update the database tables")
    migrate.add_argument("--quiet", action="store_true", help="print nothing on success")


def add_manage(add: AddCommand) -> None:
    manage = add("manage", cmd_manage, "run a Django management command", add_help=False)
    manage.add_argument("rest", nargs=argparse.REMAINDER)


def cmd_estimate(args: argparse.Namespace) -> int:
    # Imported here: the estimator loads numpy and scipy (and duckdb for Parquet), which
    # `victimcare --help` must not wait for; and the package's __init__ imports them too.
    from victimcare.estimation.cli import main as estimate_main

    return estimate_main(args.rest, prog=f"{PROG} estimate")


def add_estimate(add: AddCommand) -> None:
    estimate = add(
        "estimate",
        cmd_estimate,
        "design-based survey estimates from a CSV or Parquet file (see estimate --help)",
        add_help=False,
    )
    estimate.add_argument("rest", nargs=argparse.REMAINDER)


def cmd_sae(args: argparse.Namespace) -> int:
    # Imported here, as for estimate: the estimation package loads numpy and scipy.
    from victimcare.estimation.sae_cli import main as sae_main

    return sae_main(args.rest, prog=f"{PROG} sae")


def add_sae(add: AddCommand) -> None:
    sae = add(
        "sae",
        cmd_sae,
        "small-area (Fay-Herriot) estimates from direct estimates per area (see sae --help)",
        add_help=False,
    )
    sae.add_argument("rest", nargs=argparse.REMAINDER)


def cmd_demo(args: argparse.Namespace) -> int:
    setup_django()
    from django.core.management import call_command

    print("Migrating the database ...")
    call_command("migrate", interactive=False, verbosity=0)
    from victimcare.demo.services import DemoWorldError, demo_world_build

    try:
        result = demo_world_build(
            scale=args.scale, seed=args.seed, reset=False, progress=True, as_of=args.as_of
        )
    except DemoWorldError as error:
        raise CommandError(str(error)) from None
    print(result.summary)
    print_demo_logins()
    if args.no_serve:
        return 0
    return serve_with_worker(args)


def add_demo(add: AddCommand) -> None:
    demo = add(
        "demo",
        cmd_demo,
        "build the synthetic demo world (once) and serve it with the background worker, "
        "printing the demo logins",
        description=(
            "Migrate the database, load the synthetic demo world if it is not loaded yet "
            "(a second run does not duplicate it), print the demo logins and serve the site "
            "with the background worker beside it. The world's year of activity runs up to\n"
            "the day it is built (or --as-of), so worklists show what is due and overdue now.\n"
            "Each login is printed with the key of its authenticator app (set up for it): add\n"
            "the key to an authenticator app, or get the current sign-in code with\n"
            "`oathtool --totp -b KEY`."
        ),
        epilog=SERVE_EPILOG,
    )
    demo.add_argument("--no-serve", action="store_true", help="build the database and exit")
    demo.add_argument("--scale", choices=SCALES, default="small", help=SCALE_HELP)
    demo.add_argument("--seed", type=non_negative_int, default=1, help="random seed (%(default)s)")
    add_as_of(demo)
    add_serve_options(demo)


PARSERS = {
    "demo": add_demo,
    "serve": add_serve,
    "worker": add_worker,
    "migrate": add_migrate,
    "estimate": add_estimate,
    "sae": add_sae,
    "manage": add_manage,
}
