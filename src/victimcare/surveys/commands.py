"""`victimcare survey ...`: the survey's command-line actions (wired up in victimcare/cli.py).

Each function takes the parsed arguments once Django is set up and raises the CLI's
CommandError with a one-line message when it cannot go on. The CLI imports this module
to build its parser before Django is set up, so each function imports the models and
services it needs itself.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from victimcare.surveys.constants import (
    DEFAULT_CRIME_GROUPS,
    DEFAULT_EXPIRY_DAYS,
    DEFAULT_MINIMUM_AGE,
    DEFAULT_REMINDER_DAYS,
    DEFAULT_SATISFIED,
    SATISFIED_DEFINITIONS,
    Allocation,
    Mode,
)

WEIGHTING_CHOICES = ("design", "nonresponse", "raked")


def add_arguments(survey: argparse.ArgumentParser) -> None:
    """The `survey` subcommand's actions and their options."""
    actions = survey.add_subparsers(dest="survey_action", metavar="ACTION", required=True)
    formatter = argparse.RawDescriptionHelpFormatter

    sample = actions.add_parser(
        "sample",
        help="build the sampling frame for a force's month of reports and draw the sample",
        description=(
            "Build the sampling frame (eligible victims of the surveyed crime groups reported "
            "in the month, exclusions counted by reason), allocate interviews to strata and "
            "draw a simple random sample in each stratum from a recorded seed."
        ),
        epilog="example:\n  victimcare survey sample --force MPS --month 2026-09 --target 400",
        formatter_class=formatter,
    )
    sample.add_argument("--force", required=True, help="force code, e.g. MPS")
    sample.add_argument("--month", required=True, help="month of reports, YYYY-MM")
    sample.add_argument(
        "--fieldwork", default="", help="fieldwork date (default: end of month + window minimum)"
    )
    sample.add_argument("--target", type=int, default=400, help="interviews wanted (%(default)s)")
    sample.add_argument("--allocation", choices=Allocation.values, default=Allocation.PROPORTIONAL)
    sample.add_argument("--minimum", type=int, default=0, help="minimum interviews per stratum")
    sample.add_argument(
        "--response-rate", type=float, default=0.5, help="expected response rate (%(default)s)"
    )
    sample.add_argument("--mode", choices=Mode.values, default=Mode.WEB)
    sample.add_argument(
        "--strata",
        default="area,crime_group",
        help="what strata are made of within the force: area, crime_group, both, or '' (force)",
    )
    sample.add_argument(
        "--groups", default=",".join(DEFAULT_CRIME_GROUPS), help="crime groups surveyed"
    )
    sample.add_argument("--window", default="6-12", help="weeks before fieldwork (%(default)s)")
    sample.add_argument("--min-age", type=int, default=DEFAULT_MINIMUM_AGE)
    sample.add_argument("--reminder-days", type=int, default=DEFAULT_REMINDER_DAYS)
    sample.add_argument("--expiry-days", type=int, default=DEFAULT_EXPIRY_DAYS)
    sample.add_argument("--seed", type=int, default=None, help="seed of the draw (default: random)")
    sample.add_argument(
        "--preview", action="store_true", help="show the frame and allocation; draw nothing"
    )

    invite = actions.add_parser(
        "invite",
        help="invite a month's web sample, send due reminders and close expired links",
        formatter_class=formatter,
        epilog="example:\n  victimcare survey invite --force MPS --month 2026-09",
    )
    invite.add_argument("--force", required=True)
    invite.add_argument("--month", default="", help="month of reports whose sample to invite")

    export = actions.add_parser(
        "export",
        help=(
            "export a month's agency sample as CSV (personal data: --user must be a "
            "supervisor or administrator of the force; each victim is audited to them)"
        ),
        formatter_class=formatter,
        epilog=(
            "example:\n  victimcare survey export --force MPS --month 2026-09 "
            "--user mps.supervisor --out agency.csv"
        ),
    )
    export.add_argument("--force", required=True)
    export.add_argument("--month", required=True)
    export.add_argument(
        "--user",
        required=True,
        help="staff member who may export contact details (supervisor or administrator), "
        "audited for each victim",
    )
    export.add_argument("--out", required=True, help="CSV file to write")

    importer = actions.add_parser(
        "import",
        help="import an agency's results CSV, listing rejected rows with reasons",
        formatter_class=formatter,
        epilog="example:\n  victimcare survey import results.csv",
    )
    importer.add_argument("file", help="CSV file from the agency")
    importer.add_argument("--force", default="", help="accept only this force's serials")
    importer.add_argument(
        "--strict", action="store_true", help="import nothing if any row is rejected"
    )

    microdata = actions.add_parser(
        "microdata",
        help="write pseudonymised response microdata with design variables for estimation",
        formatter_class=formatter,
        epilog=(
            "example:\n  victimcare survey microdata --force MPS --from 2026-01 --to 2026-12 "
            "--out mps.csv\n  victimcare estimate mps.csv --y sat_whole_experience "
            "--stat proportion --strata stratum --weight w --fpc N"
        ),
    )
    microdata.add_argument("--force", required=True, help="force code(s), comma-separated")
    microdata.add_argument("--from", dest="first", required=True, help="first month, YYYY-MM")
    microdata.add_argument("--to", dest="last", required=True, help="last month, YYYY-MM")
    microdata.add_argument("--out", required=True, help="CSV file to write ('-' for stdout)")
    microdata.add_argument("--weighting", choices=WEIGHTING_CHOICES, default="design")
    microdata.add_argument(
        "--satisfied",
        choices=list(SATISFIED_DEFINITIONS),
        default=DEFAULT_SATISFIED,
        help="answers counted as satisfied: top3 (completely, very, fairly) or top2",
    )

    da_propose = actions.add_parser(
        "da-propose",
        help="propose a month's domestic abuse victims for their own survey (officers approve)",
        description=(
            "Propose for the domestic abuse victims' survey every domestic abuse victim of "
            "the force's reports in the month who may be contacted safely: a contact route "
            "confirmed safe at a needs assessment (email or a phone recorded as safe; never "
            "a letter or a contact shared with someone else on record), the risk not high, "
            "not flagged out of surveys. Each awaits an officer's approval on the "
            "'Domestic abuse survey' page; the others are counted by reason."
        ),
        formatter_class=formatter,
        epilog="example:\n  victimcare survey da-propose --force MPS --month 2026-09",
    )
    da_propose.add_argument("--force", required=True)
    da_propose.add_argument("--month", required=True, help="month of reports, YYYY-MM")
    da_propose.add_argument(
        "--fieldwork",
        default="",
        help=(
            "fieldwork date, YYYY-MM-DD: only reports 6 to 12 weeks old on it are proposed "
            "(default: end of month + 6 weeks, as for the User Satisfaction Survey)"
        ),
    )
    da_invite = actions.add_parser(
        "da-invite",
        help="invite the domestic abuse victims an officer approved, by their safe route",
        description=(
            "Invite every approved contact of the force by the route approved, checking the "
            "rules again first: a contact whose risk is now high or whose safe route changed "
            "is withdrawn, never sent. An email carries a single-use link (neutral wording) "
            "to the questionnaire; a safe phone is called by the force's survey interviewers "
            "('Domestic abuse interviews'), never texted."
        ),
        formatter_class=formatter,
        epilog="example:\n  victimcare survey da-invite --force MPS",
    )
    da_invite.add_argument("--force", required=True)


def _force(code: str, error):
    from victimcare.forces.models import Force

    force = Force.objects.filter(code__iexact=code.strip()).first()
    if force is None:
        raise error(f"no force with code {code!r}")
    return force


def _month(text: str, error):
    from victimcare.surveys.sampling import SamplingError, month_parse

    try:
        return month_parse(text)
    except SamplingError as problem:
        raise error(str(problem)) from None


def run(args: argparse.Namespace, error) -> int:
    """Dispatch `victimcare survey ACTION`; ``error`` is the CLI's CommandError."""
    handler = {
        "sample": _sample,
        "invite": _invite,
        "export": _export,
        "import": _import,
        "microdata": _microdata,
        "da-propose": _da_propose,
        "da-invite": _da_invite,
    }[args.survey_action]
    return handler(args, error)


def _sample(args, error) -> int:
    from datetime import date

    from victimcare.core.periods import date_check
    from victimcare.surveys.sampling import (
        FrameSettings,
        SamplingError,
        allocate,
        sampling_frame_build,
    )
    from victimcare.surveys.services.draw import SampleDesign, sample_draw

    force = _force(args.force, error)
    month = _month(args.month, error)
    try:
        low, high = (int(part) for part in args.window.split("-"))
        settings = FrameSettings(
            crime_groups=tuple(g.strip() for g in args.groups.split(",") if g.strip()),
            window_weeks=(low, high),
            minimum_age=args.min_age,
            strata_by=tuple(s.strip() for s in args.strata.split(",") if s.strip()),
        )
        fieldwork_on = (
            date_check(date.fromisoformat(args.fieldwork), what="The fieldwork date")
            if args.fieldwork
            else None
        )
    except (ValueError, SamplingError) as problem:
        raise error(f"bad frame settings: {problem}") from None
    design = SampleDesign(
        target_interviews=args.target,
        allocation=args.allocation,
        minimum_per_stratum=args.minimum,
        expected_response_rate=args.response_rate,
        mode=args.mode,
        reminder_after_days=args.reminder_days,
        expires_after_days=args.expiry_days,
    )
    frame = sampling_frame_build(
        force=force, month=month, fieldwork_on=fieldwork_on, settings=settings
    )
    print(
        f"{force.code} reports in {month:%B %Y}, fieldwork {frame.fieldwork_on:%Y-%m-%d}: "
        f"{frame.in_scope} in scope, {frame.eligible} eligible"
    )
    for reason, count in sorted(frame.exclusions.items()):
        print(f"  excluded, {reason}: {count}")
    if args.preview:
        try:
            plan = allocate(
                {key: s.population for key, s in frame.strata.items()},
                target=design.target_interviews,
                rule=design.allocation,
                response_rate=design.expected_response_rate,
                minimum=design.minimum_per_stratum,
            )
        except SamplingError as problem:
            raise error(str(problem)) from None
        print("stratum\tN\ttarget\tn")
        for key, in_frame in frame.strata.items():
            print(f"{key}\t{in_frame.population}\t{plan[key][0]}\t{plan[key][1]}")
        return 0
    try:
        sample = sample_draw(force=force, month=month, design=design, seed=args.seed, frame=frame)
    except SamplingError as problem:
        raise error(str(problem)) from None
    strata = list(sample.strata.order_by("key"))
    print(
        f"Drew {sum(s.drawn for s in strata)} victims in {len(strata)} strata "
        f"(sample {sample.pk}, seed {sample.seed}, {sample.get_allocation_display().lower()})"
    )
    print("stratum\tN\texcluded\ttarget\tn")
    for stratum in strata:
        print(
            f"{stratum.key}\t{stratum.population}\t{sum(stratum.exclusions.values())}\t"
            f"{stratum.target}\t{stratum.drawn}"
        )
    return 0


def _invite(args, error) -> int:
    from victimcare.surveys.models import Sample
    from victimcare.surveys.services.invitations import fieldwork_update, invitations_send

    force = _force(args.force, error)
    invited = 0
    if args.month:
        month = _month(args.month, error)
        sample = Sample.objects.filter(force=force, month=month).first()
        if sample is None:
            raise error(f"{force.code} has no sample for {month:%B %Y}")
        invited = invitations_send(sample=sample)
    result = fieldwork_update(force=force)
    print(
        f"Invited {invited}; reminded {result['reminded']}; closed {result['expired']} expired "
        "links. Invitations are recorded for sending (see the sample's invitations export)."
    )
    return 0


def _da_propose(args, error) -> int:
    from datetime import date

    from victimcare.core.periods import date_check
    from victimcare.surveys.services.domestic_abuse import da_contacts_propose

    force = _force(args.force, error)
    month = _month(args.month, error)
    fieldwork_on = None
    if args.fieldwork:
        try:
            fieldwork_on = date_check(date.fromisoformat(args.fieldwork), what="The fieldwork date")
        except ValueError as problem:
            error(f"--fieldwork: {problem}")
    result = da_contacts_propose(force=force, month=month, fieldwork_on=fieldwork_on)
    print(
        f"Proposed {len(result.proposed)} domestic abuse victims of {force.code}'s reports in "
        f"{month:%B %Y} for their survey; each awaits an officer's approval."
    )
    for reason, count in sorted(result.excluded.items()):
        print(f"  not proposed ({reason}): {count}")
    return 0


def _da_invite(args, error) -> int:
    from victimcare.surveys.constants import DaContactStatus
    from victimcare.surveys.models import DaSurveyContact
    from victimcare.surveys.services.domestic_abuse import DaContactRefused, da_invitation_send

    force = _force(args.force, error)
    invited = withdrawn = 0
    for contact in DaSurveyContact.objects.filter(force=force, status=DaContactStatus.APPROVED):
        try:
            da_invitation_send(contact=contact)
        except DaContactRefused:
            withdrawn += 1
        else:
            invited += 1
    print(
        f"Invited {invited} by their confirmed safe route; withdrew {withdrawn} no longer safe "
        "to contact."
    )
    return 0


def _export(args, error) -> int:
    from victimcare.accounts.models import User
    from victimcare.surveys.models import Sample
    from victimcare.surveys.selectors.exports import contact_export_allowed
    from victimcare.surveys.services.agency import ContactExportRefused, agency_sample_export

    force = _force(args.force, error)
    month = _month(args.month, error)
    user = User.objects.filter(username=args.user).first()
    if user is None or not user.is_active:
        raise error(f"no active staff member with username {args.user!r}")
    if not contact_export_allowed(user=user, force=force):
        raise error(
            f"{user.username} may not export victims' contact details of {force.code} "
            "(only its supervisors and administrators may)"
        )
    sample = Sample.objects.filter(force=force, month=month).first()
    if sample is None:
        raise error(f"{force.code} has no sample for {month:%B %Y}")
    with Path(args.out).open("w", newline="", encoding="utf-8") as file:
        try:
            count = agency_sample_export(
                sample=sample, by=user, file=file, via="victimcare survey export"
            )
        except ContactExportRefused as refusal:
            raise error(str(refusal)) from None
    print(f"Wrote {count} agency rows to {args.out} (each victim audited to {user.username})")
    return 0


def _import(args, error) -> int:
    from victimcare.surveys.services.agency import agency_import

    path = Path(args.file)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as problem:
        raise error(f"cannot read {path}: {problem}") from None
    forces = [_force(args.force, error)] if args.force else None
    result = agency_import(text=text, forces=forces, strict=args.strict)
    for line, serial, reasons in result.rejected:
        print(f"line {line} {serial or '-'}: rejected: {'; '.join(reasons)}", file=sys.stderr)
    if not result.applied:
        raise error(f"{len(result.rejected)} row(s) rejected; nothing imported")
    print(f"Imported {result.imported} row(s); rejected {len(result.rejected)}")
    return 1 if result.rejected else 0


def _microdata(args, error) -> int:
    from victimcare.surveys.selectors.microdata import microdata_rows
    from victimcare.surveys.weighting import RakingError

    forces = [_force(code, error) for code in args.force.split(",") if code.strip()]
    first, last = _month(args.first, error), _month(args.last, error)
    if last < first:
        raise error("--to is before --from")
    try:
        rows = microdata_rows(
            forces=forces,
            first_month=first,
            last_month=last,
            weighting=args.weighting,
            satisfied=args.satisfied,
        )
    except RakingError as problem:
        raise error(f"cannot rake: {problem}") from None
    if args.out == "-":
        microdata_write(rows, sys.stdout)
    else:
        with Path(args.out).open("w", newline="", encoding="utf-8") as out:
            microdata_write(rows, out)
    if args.out != "-":
        print(f"Wrote {len(rows)} responses to {args.out}", file=sys.stderr)
    return 0


def microdata_write(rows: list[dict], file) -> None:
    from victimcare.core.csv_export import csv_dict_writer
    from victimcare.surveys.selectors.microdata import MICRODATA_COLUMNS

    writer = csv_dict_writer(file, fieldnames=MICRODATA_COLUMNS)
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else v for k, v in row.items()})


# --- wiring into `victimcare` (see the pattern in victimcare/cli.py) ----------------------


def cmd_survey(args: argparse.Namespace) -> int:
    from victimcare.core.commandline import CommandError, setup_django

    setup_django()
    return run(args, CommandError)


def add_survey(add) -> None:
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
    add_arguments(survey)


PARSERS = {"survey": add_survey}
