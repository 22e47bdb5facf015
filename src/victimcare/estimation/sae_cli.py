"""``victimcare sae FILE``: area-level Fay-Herriot small-area estimates (see ``sae``).

Runnable alone as ``python -m victimcare.estimation.sae_cli FILE ...``; the top-level
``victimcare`` command forwards ``victimcare sae ...`` here.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections.abc import Sequence

from .cli import cell_neutralise
from .errors import DesignError
from .io import read_table
from .sae import SAE_METHODS, FayHerriot, fay_herriot

__all__ = ["build_parser", "main"]

EPILOG = """\
Example: one row per borough with its direct estimate (e.g. a satisfaction proportion
from victimcare estimate), that estimate's sampling variance (SE squared) and the
covariates of the model:

  victimcare sae boroughs.csv --area borough --direct p --var var \\
      --covariates burglary_share,violence_share --method reml --format json

Output per area: direct, variance, eblup, mse (Prasad-Rao for reml and fh with their
corrections, Datta-Lahiri for ml), gamma (the weight of the direct estimate) and the
synthetic (regression) estimate; the model's sigma2_u and coefficients.
Exit status: 0 on success, 2 on bad input (one line on stderr).
"""


def build_parser(prog: str = "victimcare sae") -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=prog,
        description="Area-level small-area estimates (Fay-Herriot EBLUP) for areas with "
        "thin samples, from their direct estimates and sampling variances.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("file", metavar="FILE", help="CSV or Parquet file, one row per area")
    p.add_argument("--area", required=True, metavar="COL", help="area name column")
    p.add_argument("--direct", required=True, metavar="COL", help="direct estimate column")
    p.add_argument(
        "--var", required=True, metavar="COL", help="sampling variance of the direct estimate"
    )
    p.add_argument(
        "--covariates",
        default="",
        metavar="COL[,COL...]",
        help="model covariates (an intercept is always added)",
    )
    p.add_argument(
        "--method",
        choices=list(SAE_METHODS),
        default="reml",
        help="how sigma2_u is estimated: reml (default), ml or fh (Fay-Herriot moments)",
    )
    p.add_argument(
        "--format", choices=["table", "json", "csv"], default="table", help="output format"
    )
    return p


FIELDS = ["direct", "variance", "eblup", "mse", "gamma", "synthetic"]


def render(fit: FayHerriot, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(fit.as_dict(), indent=2)
    rows = [a.as_dict() for a in fit.areas]
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["area", *FIELDS, "sigma2_u"])
        for r in rows:
            w.writerow([cell_neutralise(str(r["area"])), *[r[f] for f in FIELDS], fit.sigma2_u])
        return buf.getvalue().rstrip("\n")
    header = ["area", *FIELDS]
    body = [[str(r["area"]), *[f"{r[f]:.6g}" for f in FIELDS]] for r in rows]
    widths = [max(len(x) for x in col) for col in zip(header, *body, strict=False)]
    lines = [f"method {fit.method}, sigma2_u {fit.sigma2_u:.6g}"]
    lines.append("  ".join(h.rjust(wd) for h, wd in zip(header, widths, strict=True)))
    lines += ["  ".join(x.rjust(wd) for x, wd in zip(r, widths, strict=True)) for r in body]
    return "\n".join(lines)


def main(argv: list[str] | None = None, prog: str = "victimcare sae") -> int:
    """Run the command; returns the exit status (2 on bad input)."""
    args = build_parser(prog).parse_args(argv)
    try:
        fit = fay_herriot(
            read_table(args.file),
            area=args.area,
            direct=args.direct,
            variance=args.var,
            covariates=args.covariates,
            method=args.method,
        )
    except DesignError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 2
    for note in fit.notes:
        print(f"{prog}: note: {note}", file=sys.stderr)
    print(render(fit, args.format))
    return 0


def _entry(argv: Sequence[str] | None = None) -> int:
    return main(
        list(argv) if argv is not None else None, prog="python -m victimcare.estimation.sae_cli"
    )


if __name__ == "__main__":
    sys.exit(_entry())
