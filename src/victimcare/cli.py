"""The `victimcare` command: run, seed, administer and analyse victimcare.

Each subcommand prints its own help: `victimcare SUBCOMMAND --help`.

How the commands are put together
---------------------------------
This module is only the dispatcher (`main`, `build_parser`). What every command shares
(`CommandError`, `fail`, `setup_django`, the argument types `non_negative_int` and
`port_number`, `AddCommand`) is in `core/commandline.py`, at the bottom of the layers, so an
app's commands never import this module above them. Each app that owns commands has a
`commands.py` (`accounts/commands.py`, `care/commands.py`, `demo/commands.py`,
`intake/commands.py`, `oversight/commands.py`, `surveys/commands.py`), and the commands of
the product as a whole (demo, serve, worker, migrate, estimate, sae, manage) are in
`victimcare/commands.py`, beside this module; each holds, for each of its commands:

- a handler `cmd_NAME(args) -> int` (the exit code), which calls `setup_django()` when it
  needs the database and raises `CommandError` with a one-line message when it cannot go on;
- a function `add_NAME(add)` that adds the command's parser through
  `add(name, handler, help_text, **argparse_options)` and then its arguments;
- `PARSERS = {"name": add_NAME, ...}`, which `build_parser` reads.

`COMMANDS` below lists every command with its module, in the order of `victimcare --help`;
the modules are imported only when the parser is built. A new app adds its commands with
one module (`APP/commands.py` as above) and one line in `COMMANDS` per command.

`victimcare --help` imports every commands module, so a commands module imports at its top
only what is light (argparse, constants, `core/commandline.py`): Django's models, the services,
numpy, scipy and duckdb are imported inside the handlers. tests/test_cli.py checks that the
help imports none of them.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence

from victimcare.core.commandline import (  # re-exported: the commands' shared pieces
    PROG,
    CommandError,
    fail,
)

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


# --- the commands --------------------------------------------------------------------------


# Every command and the module that adds its parser (`PARSERS[name]`) and handles it, in
# the order of `victimcare --help`.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("demo", "victimcare.commands"),
    ("serve", "victimcare.commands"),
    ("worker", "victimcare.commands"),
    ("seed", "victimcare.demo.commands"),
    ("migrate", "victimcare.commands"),
    ("createstaff", "victimcare.accounts.commands"),
    ("token", "victimcare.accounts.commands"),
    ("care", "victimcare.care.commands"),
    ("drafts", "victimcare.intake.commands"),
    ("estimate", "victimcare.commands"),
    ("sae", "victimcare.commands"),
    ("survey", "victimcare.surveys.commands"),
    ("report-pack", "victimcare.oversight.commands"),
    ("open-data", "victimcare.oversight.commands"),
    ("compliance-return", "victimcare.oversight.commands"),
    ("peer-groups", "victimcare.oversight.commands"),
    ("benchmark", "victimcare.oversight.commands"),
    ("import", "victimcare.intake.commands"),
    ("training", "victimcare.training.commands"),
    ("trial", "victimcare.training.trials.commands"),
    ("manage", "victimcare.commands"),
)

# Subcommands whose arguments belong to another parser, passed on untouched (argparse's
# REMAINDER would swallow neither a leading --help nor options): the name of the handler
# in the command's module, called without building the parser.
PASSTHROUGH = {"estimate": "cmd_estimate", "manage": "cmd_manage", "sae": "cmd_sae"}


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

    for name, module in COMMANDS:
        importlib.import_module(module).PARSERS[name](add)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments and arguments[0] in PASSTHROUGH:
        module = importlib.import_module(dict(COMMANDS)[arguments[0]])
        handler = getattr(module, PASSTHROUGH[arguments[0]])
        try:
            return handler(argparse.Namespace(rest=arguments[1:])) or 0
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
