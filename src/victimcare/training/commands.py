"""`victimcare training ...`: the training app's command-line actions.

Wired up in victimcare/cli.py (``COMMANDS``; see the pattern there): ``add_training(add)``
adds the ``training`` subcommand and its actions. Django and the models are imported inside
the handlers: ``victimcare --help`` imports this module.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from victimcare.core.commandline import AddCommand, CommandError, setup_django

if TYPE_CHECKING:  # (the commands load Django only when run)
    from victimcare.training.constants import Measure
    from victimcare.training.effect import Effect
    from victimcare.training.models import TrainingModule

FORMATTER = argparse.RawDescriptionHelpFormatter


def add_training(add: AddCommand) -> None:
    training = add(
        "training",
        cmd_training,
        "training written with support organisations: import completions, "
        "estimate each module's effect on what victims say",
        description=(
            "Training modules written with victims' support organisations: import "
            "completions from a force learning system, and estimate the effect of a module "
            "on the survey measure it aims at."
        ),
        epilog=(
            "examples:\n  victimcare training import completions.csv\n"
            "  victimcare training effect --force MPS --module keeping-victims-informed"
        ),
    )
    actions = training.add_subparsers(dest="training_action", metavar="ACTION", required=True)
    importer = actions.add_parser(
        "import",
        help="import completions from a force learning system's CSV (safe to re-run)",
        description=(
            "Import completions: columns username, module (code), version (number),\n"
            "completed_at (YYYY-MM-DD or ISO date and time) and score (0-100).\n"
            "Every row is checked first: if any is rejected, nothing is written and each\n"
            "rejected row is listed with its reason (exit 1). Completions already recorded\n"
            "are skipped."
        ),
        formatter_class=FORMATTER,
    )
    importer.add_argument("file", metavar="FILE.csv", help="UTF-8 CSV with a header line")
    importer.add_argument("--force", default="", help="accept only officers of this force")
    effect = actions.add_parser(
        "effect",
        help="the effect of a module (or each rolled-out module) on the measure it aims at",
        description=(
            "The difference in the module's survey measure (points satisfied) between\n"
            "victims whose case's officer in charge had been trained before they reported\n"
            "and those whose had not, adjusted for month (and team in a stepped-wedge\n"
            "rollout), from a survey-weighted regression with the survey's design.\n"
            "A change is reported only when its 95% interval excludes zero. With fewer than\n"
            "30 surveyed victims on either side: 'too few responses' with the counts, exit 1.\n"
            "JSON keys: module, measure, estimate, se, ci_low, ci_high, df, n_trained,\n"
            "n_untrained, design (stepped_wedge | observational); without --module, a list\n"
            "with one object per rolled-out module (too few: module, measure, error, counts)."
        ),
        formatter_class=FORMATTER,
    )
    effect.add_argument("--force", required=True, help="force code, e.g. MPS")
    effect.add_argument("--module", default="", help="module code (default: every rolled-out one)")
    effect.add_argument("--format", choices=("json", "text"), default="text")


def cmd_training(args: argparse.Namespace) -> int:
    setup_django()
    if args.training_action == "import":
        return _import(args, CommandError)
    return _effect(args, CommandError)


def _import(args: argparse.Namespace, command_error: type[Exception]) -> int:
    from django.utils import timezone

    from victimcare.training.importer import completions_import

    path = Path(args.file)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise command_error(f"cannot read {path}: {error}") from None
    result = completions_import(text, force_code=args.force, now=timezone.now())
    if result.rejects:
        for line, reason in result.rejects:
            print(f"line {line}: {reason}", file=sys.stderr)
        print(f"{len(result.rejects)} rows rejected; nothing imported", file=sys.stderr)
        return 1
    print(f"{result.imported} completions imported, {result.skipped} already recorded")
    return 0


def _effect(args: argparse.Namespace, command_error: type[Exception]) -> int:
    from victimcare.forces.models import Force
    from victimcare.training.constants import Measure
    from victimcare.training.effect import VERDICT_RULE, EffectError, TooFewResponses
    from victimcare.training.models import TrainingModule
    from victimcare.training.selectors import module_effect, modules_rolled_out

    force = Force.objects.filter(code__iexact=args.force).first()
    if force is None:
        raise command_error(f"no force with code {args.force!r}")
    if args.module:
        module = TrainingModule.objects.filter(force=force, code=args.module).first()
        if module is None:
            raise command_error(f"no module {args.module!r} in {force.code}")
        try:
            effect = module_effect(module=module)
        except EffectError as error:
            print(f"victimcare: {module.code}: {error}", file=sys.stderr)
            return 1
        if args.format == "json":
            print(json.dumps(effect.as_dict(), indent=2))
        else:
            print(_text(module, effect, Measure))
            print(VERDICT_RULE)
        return 0
    out: list[dict[str, Any] | str] = []
    for module in modules_rolled_out(force_id=force.pk):
        try:
            effect = module_effect(module=module)
        except TooFewResponses as error:
            out.append(
                {
                    "module": module.code,
                    "measure": module.measure,
                    "error": "too few responses",
                    "n_trained": error.n_trained,
                    "n_untrained": error.n_untrained,
                }
            )
            continue
        except EffectError as error:
            out.append({"module": module.code, "measure": module.measure, "error": str(error)})
            continue
        out.append(_text(module, effect, Measure) if args.format == "text" else effect.as_dict())
    if args.format == "json":
        print(json.dumps(out, indent=2))
    else:
        for item in out:
            print(
                item
                if isinstance(item, str)
                else f"{item['module']}: {item['error']}"
                + (
                    f" ({item['n_trained']} trained, {item['n_untrained']} untrained)"
                    if "n_trained" in item
                    else ""
                )
            )
        print(VERDICT_RULE)
    return 0


def _text(module: TrainingModule, effect: Effect, measure_choices: type[Measure]) -> str:
    label = measure_choices(module.measure).label
    return (
        f"{module.code} ({module.title}), {label}, {effect.design.replace('_', ' ')} design: "
        f"estimate {effect.estimate:+.1f} points, SE {effect.se:.1f}, 95% interval "
        f"{effect.ci_low:+.1f} to {effect.ci_high:+.1f} on {effect.df} df; "
        f"{effect.n_trained} surveyed victims trained, {effect.n_untrained} untrained.\n"
        f"  {effect.verdict(str(label))}"
    )


PARSERS = {"training": add_training}
