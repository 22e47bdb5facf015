"""`victimcare report-pack`, `open-data` and `compliance-return`: oversight's outputs.

Wired up in victimcare/cli.py (see the pattern there). The report builders and models
are imported inside the handlers, not here: `victimcare --help` imports this module to
build its parser and must stay fast.
"""

from __future__ import annotations

import argparse

from victimcare.core.commandline import AddCommand, CommandError, setup_django


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


def add_compliance_return(add: AddCommand) -> None:
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


def add_report_pack(add: AddCommand) -> None:
    pack = add(
        "report-pack",
        cmd_report_pack,
        "the Police and Crime Committee report pack (PDF) for a force and quarter",
        epilog="example:\n  victimcare report-pack --force MPS --period 2026Q3 --out pack.pdf",
    )
    pack.add_argument("--force", required=True, help="force code, e.g. MPS")
    pack.add_argument("--period", required=True, help="quarter, e.g. 2026Q3")
    pack.add_argument("--out", required=True, help="PDF file to write")


def add_open_data(add: AddCommand) -> None:
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


def cmd_peer_groups(args: argparse.Namespace) -> int:
    """Load (or with --check only read) a peer groups file: forces/services.py."""
    setup_django()
    from pathlib import Path

    from victimcare.forces.services import (
        PeerGroupsFileError,
        peer_groups_file,
        peer_groups_load,
        peer_groups_read,
    )

    path = Path(args.file) if args.file else peer_groups_file()
    try:
        data = peer_groups_read(path) if args.check else peer_groups_load(path=path)
    except PeerGroupsFileError as error:
        raise CommandError(str(error)) from None
    verb = "Read" if args.check else "Loaded"
    layout = f"{len(data['groups'])} peer groups, " if data["groups"] else ""
    print(
        f"{verb} {layout}{len(data['lists'])} forces' own lists of peers from {path} "
        f"(source: {data['source']}; dated {data['as_of'].day} {data['as_of']:%B %Y})"
    )
    for entry in data["lists"]:
        name = f" ({entry['name']})" if entry["name"] else ""
        print(f"  {entry['force']}{name}: {', '.join(entry['peers'])}")
    return 0


def add_peer_groups(add: AddCommand) -> None:
    command = add(
        "peer-groups",
        cmd_peer_groups,
        "load each force's own list of peers (most similar forces) that its league table, "
        "drivers and report pack compare it with, from a JSON file with its source and "
        "date, replacing those loaded before",
        epilog="example:\n  victimcare peer-groups --file most-similar-groups-2026.json\n\n"
        "The file: {source, as_of (YYYY-MM-DD), url, note, most_similar: [{force, peers: "
        "[force codes], name (optional)}]}: each force's own list, as the official most "
        "similar groups are (lists overlap and need not be mutual). Or, instead of "
        "most_similar, groups: [{code, name, forces: [force codes]}], each force in at most "
        "one group, whose members are each other's peers. Unknown force codes, a force "
        "listed as its own peer, an empty list or a force listed twice are refused and "
        "nothing is written. Default file: VICTIMCARE_PEER_GROUPS_FILE, else the "
        "illustrative forces/data/peer_groups.json.",
    )
    command.add_argument("--file", default="", help="the peer groups file (JSON)")
    command.add_argument(
        "--check", action="store_true", help="only read and check the file; change nothing"
    )


def cmd_benchmark(args: argparse.Namespace) -> int:
    """Read and check the national benchmark file (oversight/benchmark.py)."""
    from pathlib import Path

    setup_django(check_database=False)  # the file and the setting only
    from victimcare.oversight.benchmark import BenchmarkFileError, benchmark_file, benchmark_read

    path = Path(args.file) if args.file else benchmark_file()
    try:
        rows = benchmark_read(path)
    except BenchmarkFileError as error:
        raise CommandError(str(error)) from None
    print(f"{len(rows)} benchmark figures in {path}:")
    for row in rows:
        print(f"  {row.caption}")
    return 0


def add_benchmark(add: AddCommand) -> None:
    command = add(
        "benchmark",
        cmd_benchmark,
        "check and show the Crime Survey for England and Wales benchmark drawn beside the "
        "force's satisfaction (VICTIMCARE_CSEW_FILE, else oversight/data/csew.json)",
        epilog="example:\n  victimcare benchmark --file csew-2026.json",
    )
    command.add_argument("--file", default="", help="a benchmark file to check (JSON)")


PARSERS = {
    "peer-groups": add_peer_groups,
    "benchmark": add_benchmark,
    "report-pack": add_report_pack,
    "open-data": add_open_data,
    "compliance-return": add_compliance_return,
}
