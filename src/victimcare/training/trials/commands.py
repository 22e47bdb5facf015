"""`victimcare trial ...`: built-in trials of care practices from the command line.

Wired up in victimcare/cli.py (``COMMANDS``): ``add_trial(add)`` adds the ``trial``
subcommand and its actions. Django and the models are imported inside the handlers:
``victimcare --help`` imports this module.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from typing import TYPE_CHECKING

from victimcare.core.commandline import AddCommand, CommandError, setup_django

if TYPE_CHECKING:  # the models need Django set up: imported in the handlers
    from victimcare.forces.models import Force
    from victimcare.training.trials.models import Trial

FORMATTER = argparse.RawDescriptionHelpFormatter
TOO_FEW_EXIT = 2


def add_trial(add: AddCommand) -> None:
    trial = add(
        "trial",
        cmd_trial,
        "trials of care practices: register a plan, allocate cases, estimate the effect",
        description=(
            "Built-in trials of care practices: a force randomises a practice (e.g. a\n"
            "reassurance call-back within 2 working days) at case level from a recorded seed,\n"
            "the treated cases owe it as an obligation, and its effect on what victims say is\n"
            "estimated with the survey's design."
        ),
        epilog=(
            "examples:\n"
            "  victimcare trial register --force MPS --trial reassurance-48h "
            "--title 'Reassurance call-back' \\\n"
            "      --practice reassurance_callback --measure treatment "
            "--crime-groups burglary,violence \\\n"
            "      --from 2026-01-01 --to 2026-06-30 --ratio 1:1 --seed 20260101\n"
            "  victimcare trial allocate --force MPS --trial reassurance-48h\n"
            "  victimcare trial effect --force MPS --trial reassurance-48h --format json"
        ),
    )
    actions = trial.add_subparsers(dest="trial_action", metavar="ACTION", required=True)
    register = actions.add_parser(
        "register",
        help="register a trial's plan (before any case is allocated; never rewritten after)",
        description=(
            "Store a trial's plan: the practice, the measure it targets, the eligible cases\n"
            "(survey crime groups and report days), the allocation ratio and the seed. A plan\n"
            "may be replaced by a new version only while no case is allocated; afterwards a\n"
            "change is refused (exit 2). Cases reported later are allocated as they arrive."
        ),
        formatter_class=FORMATTER,
    )
    register.add_argument("--force", required=True, help="force code, e.g. MPS")
    register.add_argument("--trial", required=True, help="trial code, unique within the force")
    register.add_argument("--title", required=True)
    register.add_argument("--practice", required=True, help="e.g. reassurance_callback")
    register.add_argument("--measure", required=True, help="survey measure, e.g. treatment")
    register.add_argument(
        "--crime-groups", required=True, help="comma-separated, e.g. burglary,violence"
    )
    register.add_argument("--from", dest="report_from", required=True, help="YYYY-MM-DD")
    register.add_argument("--to", dest="report_to", required=True, help="YYYY-MM-DD")
    register.add_argument("--ratio", default="1:1", help="treated:control (default 1:1)")
    register.add_argument("--seed", type=int, required=True)
    allocate = actions.add_parser(
        "allocate",
        help="allocate the eligible cases already reported (later ones are allocated as they arrive)",
    )
    allocate.add_argument("--force", required=True)
    allocate.add_argument("--trial", required=True)
    effect = actions.add_parser(
        "effect",
        help="the trial's effect on the measure it targets",
        description=(
            "The difference in the trial's survey measure (points satisfied) between\n"
            "victims of treated and of control cases, adjusted for month, from a\n"
            "survey-weighted regression with the survey's design. With fewer than 30\n"
            "surveyed victims in either arm: 'too few responses' with the counts, exit 2.\n"
            "JSON keys: trial, measure, estimate, se, ci_low, ci_high, df, n_treated,\n"
            "n_control, design (randomised)."
        ),
        formatter_class=FORMATTER,
    )
    effect.add_argument("--force", required=True, help="force code, e.g. MPS")
    effect.add_argument("--trial", required=True, help="trial code")
    effect.add_argument("--format", choices=("json", "text"), default="text")


def cmd_trial(args: argparse.Namespace) -> int:
    setup_django()
    from victimcare.forces.models import Force

    force = Force.objects.filter(code__iexact=args.force).first()
    if force is None:
        raise CommandError(f"no force with code {args.force!r}")
    if args.trial_action == "register":
        return _register(args, force)
    from victimcare.training.trials.models import Trial

    trial = Trial.objects.filter(force=force, code=args.trial).first()
    if trial is None:
        raise CommandError(f"no trial {args.trial!r} in {force.code}")
    if args.trial_action == "allocate":
        return _allocate(trial)
    return _effect(args, trial)


def _register(args: argparse.Namespace, force: Force) -> int:
    from django.core.exceptions import ValidationError

    from victimcare.training.trials.services import trial_plan_register

    try:
        treated, control = (int(part) for part in args.ratio.split(":"))
        report_from = date.fromisoformat(args.report_from)
        report_to = date.fromisoformat(args.report_to)
    except ValueError:
        raise CommandError(
            "give --ratio as TREATED:CONTROL (e.g. 1:1) and --from/--to as YYYY-MM-DD"
        ) from None
    try:
        plan = trial_plan_register(
            force=force,
            code=args.trial,
            title=args.title,
            practice=args.practice,
            measure=args.measure,
            crime_groups=[g.strip() for g in args.crime_groups.split(",") if g.strip()],
            report_from=report_from,
            report_to=report_to,
            seed=args.seed,
            treated_parts=treated,
            control_parts=control,
        )
    except ValidationError as error:
        raise CommandError("; ".join(error.messages)) from None
    print(
        f"Registered plan version {plan.version} of trial {args.trial} in {force.code} "
        f"at {plan.registered_at:%Y-%m-%d %H:%M} UTC: {json.dumps(plan.as_dict())}"
    )
    return 0


def _allocate(trial: Trial) -> int:
    from django.core.exceptions import ValidationError

    from victimcare.training.trials.services import trial_allocate

    try:
        counts = trial_allocate(trial=trial)
    except ValidationError as error:
        raise CommandError("; ".join(error.messages)) from None
    print(f"{counts['treated']} cases allocated to treated, {counts['control']} to control")
    return 0


def _effect(args: argparse.Namespace, trial: Trial) -> int:
    from victimcare.training.constants import Measure
    from victimcare.training.effect import VERDICT_RULE, EffectError
    from victimcare.training.trials.selectors import trial_effect

    try:
        effect = trial_effect(trial=trial)
    except EffectError as error:
        print(f"victimcare: trial {trial.code}: {error}", file=sys.stderr)
        return TOO_FEW_EXIT
    if args.format == "json":
        print(json.dumps(effect.as_dict(), indent=2))
        return 0
    label = str(Measure(effect.measure).label)
    print(
        f"{trial.code} ({trial.title}), {label}, randomised: estimate {effect.estimate:+.1f} "
        f"points, SE {effect.se:.1f}, 95% interval {effect.ci_low:+.1f} to "
        f"{effect.ci_high:+.1f} on {effect.df} df; {effect.n_treated} surveyed victims of "
        f"treated cases, {effect.n_control} of control cases.\n  {effect.verdict(label)}"
    )
    print(VERDICT_RULE)
    return 0


PARSERS = {"trial": add_trial}
