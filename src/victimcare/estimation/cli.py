"""``victimcare estimate FILE``: design-based estimates from a CSV or Parquet file.

Runnable alone as ``python -m victimcare.estimation.cli FILE ...``; the top-level
``victimcare`` command forwards ``victimcare estimate ...`` here.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .design import Design
from .errors import DesignError
from .intervals import PROPORTION_METHODS, reference_df
from .io import read_table
from .output import cell_neutralise as cell_neutralise
from .output import render, render_models
from .replicate import ReplicateDesign

__all__ = ["build_parser", "main"]

EPILOG = """\
Examples (R's api data, as in the survey package):

  # stratified sample: mean API score with a 95% t interval on the design df
  victimcare estimate apistrat.csv --y api00 --stat mean \\
      --strata stype --weight pw --fpc fpc

  # one-stage cluster sample, proportion of schools meeting their target by school
  # type, default logit interval; --y must be 0/1, so first add a column "met" (1
  # where sch.wide is "Yes"), as R's svyciprop(~I(sch.wide == "Yes"), dclus1)
  victimcare estimate apiclus1.csv --y met --stat proportion --by stype \\
      --psu dnum --weight pw --fpc fpc --ci logit --format json

  # two-stage cluster sample, weights derived from the fpc of each stage (as R does)
  victimcare estimate apiclus2.csv --y api00 --stat mean \\
      --psu dnum,snum --fpc fpc1,fpc2

  # ratio of totals: students tested per student enrolled, as R's svyratio
  victimcare estimate apistrat.csv --stat ratio --y api.stu --x enroll \\
      --strata stype --weight pw --fpc fpc

  # quartiles and the 90th percentile, as R's svyquantile(..., ci=TRUE)
  victimcare estimate apistrat.csv --y api00 --stat quantile \\
      --quantiles 0.25,0.5,0.75,0.9 --strata stype --weight pw --fpc fpc

  # regression, as R's svyglm(api00 ~ ell + meals + stype, design = dstrat)
  victimcare estimate apistrat.csv --glm "api00 ~ ell + meals + C(stype)" \\
      --strata stype --weight pw --fpc fpc --format json

  # replicate weights supplied as columns (R's svrepdesign), or made from the design
  victimcare estimate apiclus1_rep.csv --y api00 --stat mean --weight pw \\
      --repweights "jk_*" --rep-type JK1
  victimcare estimate apistrat.csv --y api00 --stat quantile --strata stype \\
      --weight pw --fpc fpc --replicates jkn

  # logistic (quasibinomial) regression with average marginal effects
  victimcare estimate apiclus1.csv --glm "sch.wide ~ api99 + C(stype)" \\
      --family quasibinomial --ame --psu dnum --weight pw --fpc fpc

Notes:
  * Without --weight, weights come from --fpc (population size / sample size per
    stage), as R's svydesign does; without either, every row weighs 1.
  * Missing values in --y are left out as R's na.rm=TRUE does; a note says how many
    (on stderr, and in the JSON "notes" list). They still count towards PSUs and df.
  * --fpc holds population sizes (all >= 1) or sampling fractions (all <= 1),
    constant within each stratum (R's convention).
  * --glm: "outcome ~ term + term"; a term is a numeric column, C(col) for a
    categorical one (text columns are categorical anyway), 1 or 0 for the intercept.
    Treatment coding with the first sorted level as reference, terms named
    col[T.level]. Intervals and p-values on R's df.residual (design df + 1 - number
    of coefficients). quasibinomial takes outcomes in [0, 1] or text with two values
    (the second sorted value counts as 1).
  * --df: "design" (default), "inf" (the normal) or a positive number.
  * Exit status: 0 on success, 2 on bad input (one line on stderr, no traceback).
"""

DESCRIPTION = """\
Design-based survey estimates (mean, total, proportion, ratio or quantiles, overall or by
domain) with Taylor-linearised standard errors, design degrees of freedom and design
effects, or survey regressions (--glm), matching R's survey package (svymean, svytotal,
svyciprop, svyratio, svyquantile, svyby, svyglm)."""


def build_parser(prog: str = "victimcare estimate") -> argparse.ArgumentParser:
    """The argument parser of ``victimcare estimate``."""
    p = argparse.ArgumentParser(
        prog=prog,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "file",
        metavar="FILE",
        help="CSV (header row; NA is missing; an empty cell is missing in a numeric "
        "column and an empty string in a text one, as R's read.csv) or Parquet file",
    )
    p.add_argument(
        "--y",
        metavar="COL",
        help="the variable to estimate (0/1 for --stat proportion); with --stat",
    )
    p.add_argument(
        "--stat",
        choices=["mean", "total", "proportion", "ratio", "quantile"],
        help="what to estimate: weighted mean, population total, proportion of 1s, ratio "
        "of totals (--y over --x), or quantiles (see --quantiles)",
    )
    p.add_argument(
        "--x",
        metavar="COL",
        help="with --stat ratio: the denominator column (R's svyratio(~y, ~x))",
    )
    p.add_argument(
        "--quantiles",
        metavar="P[,P...]",
        help="with --stat quantile: probabilities strictly between 0 and 1 (default 0.5)",
    )
    p.add_argument(
        "--qrule",
        choices=["math", "hf7"],
        default="math",
        help="with --stat quantile: R's svyquantile rule, math (default) or hf7 "
        "(interpolated); intervals are Woodruff's, as R's interval.type='mean'",
    )
    p.add_argument(
        "--glm",
        metavar="FORMULA",
        help='fit a survey regression instead, as R\'s svyglm: "y ~ x1 + C(g)"',
    )
    p.add_argument(
        "--family",
        choices=["gaussian", "quasibinomial"],
        default="gaussian",
        help="--glm family: gaussian (linear, default) or quasibinomial (logistic)",
    )
    p.add_argument(
        "--ame",
        action="store_true",
        help="with --glm: also report average marginal effects (delta-method SEs)",
    )
    p.add_argument(
        "--by",
        metavar="COL[,COL...]",
        help="domain columns: one estimate per combination of their values",
    )
    p.add_argument("--weight", metavar="COL", help="sampling weight column (positive numbers)")
    p.add_argument("--strata", metavar="COL", help="stratum column")
    p.add_argument(
        "--psu",
        metavar="COL[,COL]",
        help="cluster (PSU) column; two columns for a two-stage design (PSU,SSU)",
    )
    p.add_argument(
        "--fpc",
        metavar="COL[,COL]",
        help="finite population correction: population size or sampling fraction, "
        "one column per stage",
    )
    p.add_argument(
        "--nest", action="store_true", help="PSU ids are unique only within strata (R's nest=TRUE)"
    )
    p.add_argument(
        "--lonely-psu",
        default="fail",
        choices=["fail", "certainty", "remove", "adjust", "average"],
        help="what a stratum with a single PSU does (R's survey.lonely.psu; default: fail)",
    )
    p.add_argument(
        "--ci",
        choices=list(PROPORTION_METHODS),
        help="interval method for proportions (default logit, as R's svyciprop); "
        "means and totals always use wald",
    )
    p.add_argument(
        "--level",
        type=float,
        default=0.95,
        metavar="LEVEL",
        help="confidence level, between 0 and 1 (default 0.95)",
    )
    p.add_argument(
        "--df",
        default="design",
        metavar="DF",
        help="reference distribution: 'design' (Student t on the design degrees of "
        "freedom; for --glm R's df.residual; default), 'inf' (the normal) or a number",
    )
    p.add_argument(
        "--covariance",
        action="store_true",
        help="with --by: also print the covariance matrix of the domain estimates (R's "
        "vcov(svyby(..., covmat=TRUE)))",
    )
    p.add_argument(
        "--deff-replace",
        action="store_true",
        help="design effects against simple random sampling with replacement (R's "
        "deff='replace'); default without replacement (deff=TRUE)",
    )
    rep = p.add_argument_group(
        "replicate weights",
        "variance from replicate weights (R's svrepdesign / as.svrepdesign) instead of "
        "Taylor linearisation; every --stat, and --glm without --by or --ame",
    )
    rep.add_argument(
        "--repweights",
        metavar="PATTERN",
        help='replicate weight columns: a glob such as "rw_*" (columns in file order) or '
        "COL,COL,...; the design is then --weight and these columns only",
    )
    rep.add_argument(
        "--rep-type",
        choices=["JK1", "JKn", "BRR", "Fay", "bootstrap"],
        help="with --repweights: the replication method (R's type=; default JK1)",
    )
    rep.add_argument("--rho", type=float, help="Fay's rho (--rep-type Fay, --replicates fay)")
    rep.add_argument(
        "--scale", type=float, help="with --repweights: R's scale= (defaults as R per type)"
    )
    rep.add_argument(
        "--rscales",
        metavar="R[,R...]",
        help="with --repweights: R's rscales=, one number or one per replicate (JKn needs it)",
    )
    rep.add_argument(
        "--multipliers",
        action="store_true",
        help="with --repweights: the columns multiply --weight (R's combined.weights=FALSE)",
    )
    rep.add_argument(
        "--mse",
        action="store_true",
        help="centre replicates at the full-sample estimate, not their mean (R's mse=TRUE)",
    )
    rep.add_argument(
        "--replicates",
        choices=["jk1", "jkn", "brr", "fay", "bootstrap"],
        help="make replicate weights from the design given by --strata/--psu/--fpc/--weight "
        "(R's as.svrepdesign; first stage only)",
    )
    rep.add_argument("--seed", type=int, help="with --replicates bootstrap: seed of the draws")
    rep.add_argument(
        "--n-replicates",
        type=int,
        default=50,
        metavar="N",
        help="with --replicates bootstrap: number of replicates (default 50, as R)",
    )
    p.add_argument(
        "--format",
        choices=["table", "json", "csv"],
        default="table",
        help="output format (default: table)",
    )
    return p


def _split(value: str | None) -> list[str]:
    if not value:
        return []
    return [v.strip() for v in value.split(",") if v.strip()]


def _pushdown_design(args: argparse.Namespace) -> Design | None:
    """For a Parquet file and a statistic the sums layer computes (mean, total, ratio,
    or a proportion without the likelihood interval; no replicates), a design whose
    aggregation DuckDB runs on the file itself (one GROUP BY; no rows come into Python).
    None otherwise: the file is read into memory."""
    from pathlib import Path

    path = Path(args.file)
    if path.suffix.lower() not in (".parquet", ".pq") or not path.is_file():
        return None
    if args.glm or args.stat not in ("mean", "total", "proportion", "ratio"):
        return None
    if args.repweights or args.replicates or args.ci == "likelihood":
        return None
    import duckdb

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")  # DuckDB draws it on stdout, our output
    try:
        return Design.from_sql(
            con,
            query="SELECT * FROM read_parquet(?)",
            params=[str(path)],
            weight=args.weight,
            strata=args.strata,
            psu=_split(args.psu) or None,
            fpc=_split(args.fpc) or None,
            nest=args.nest,
            lonely_psu=args.lonely_psu,
        )
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DesignError(f"cannot read {path.name}: {first}") from exc


def _floats(value: str | None, option: str) -> list[float] | None:
    if value is None:
        return None
    try:
        return [float(v) for v in _split(value)]
    except ValueError:
        raise DesignError(f"{option} takes numbers separated by commas, not {value!r}") from None


def _check_replicate_options(args: argparse.Namespace) -> None:
    """Options of one replicate route used with the other, or without one: one line."""
    if args.repweights:
        if args.replicates:
            raise DesignError("give --repweights (columns) or --replicates (made), not both")
        given = [
            o for o, v in (("--strata", args.strata), ("--psu", args.psu), ("--fpc", args.fpc)) if v
        ]
        if given:
            raise DesignError(
                f"--repweights designs take no {', '.join(given)}: the replicate columns "
                "carry the design (give --weight and --rep-type)"
            )
        return
    used = [
        o
        for o, v in (
            ("--rep-type", args.rep_type),
            ("--scale", args.scale),
            ("--rscales", args.rscales),
            ("--multipliers", args.multipliers),
        )
        if v
    ]
    if used:
        raise DesignError(f"{', '.join(used)} apply to --repweights only")
    if not args.replicates and (args.mse or args.seed is not None or args.rho is not None):
        raise DesignError("--mse, --seed and --rho apply to replicate designs only")


def main(argv: list[str] | None = None, prog: str = "victimcare estimate") -> int:
    """Run the command; returns the exit status (2 on bad input)."""
    parser = build_parser(prog)
    args = parser.parse_args(argv)
    if args.glm is None and (args.y is None or args.stat is None):
        parser.error("give --y COL and --stat, or --glm FORMULA")
    if args.glm is not None and (args.y is not None or args.stat is not None):
        parser.error("--glm fits a regression; leave out --y and --stat")
    if args.glm is None and args.ame:
        parser.error("--ame needs --glm")
    if args.glm is not None and (args.covariance or args.deff_replace):
        parser.error("--covariance and --deff-replace apply to --stat, not --glm")
    try:
        if not 0 < args.level < 1:
            raise DesignError(f"--level must be between 0 and 1, not {args.level:g}")
        try:
            reference_df(args.df, 1)
        except ValueError as exc:
            raise DesignError(f"--df: {exc}") from None
        if args.ci and args.stat != "proportion" and args.ci != "wald":
            raise DesignError(f"--ci {args.ci} applies to --stat proportion only")
        _check_replicate_options(args)
        design: Design | ReplicateDesign
        pushed = _pushdown_design(args)
        data = None if pushed is not None else read_table(args.file)
        if pushed is not None:
            design = pushed
        elif args.repweights:
            design = ReplicateDesign(
                data,
                repweights=args.repweights,
                weight=args.weight,
                type=args.rep_type or "JK1",
                rho=args.rho,
                scale=args.scale,
                rscales=_floats(args.rscales, "--rscales"),
                mse=args.mse,
                combined_weights=not args.multipliers,
            )
        else:
            design = Design(
                data,
                weight=args.weight,
                strata=args.strata,
                psu=_split(args.psu) or None,
                fpc=_split(args.fpc) or None,
                nest=args.nest,
                lonely_psu=args.lonely_psu,
            )
            if args.replicates:
                design = design.replicates(
                    args.replicates,
                    replicates=args.n_replicates,
                    seed=args.seed,
                    rho=0.5 if args.rho is None else args.rho,
                    mse=args.mse,
                )
        if args.glm is not None:
            by = _split(args.by)
            if isinstance(design, ReplicateDesign):
                if by or args.ame:
                    raise DesignError(
                        "--by and --ame with --glm need a Taylor design, not replicates"
                    )
                models = [design.glm(args.glm, args.family, level=args.level, df=args.df)]
            else:
                fits = design.glm(
                    args.glm, args.family, by=by or None, level=args.level, df=args.df
                )
                models = list(fits) if isinstance(fits, tuple) else [fits]
            text = render_models(models, args.format, ame=args.ame, by=by)
            notes = []
            for m in models:
                notes += [n for n in m.notes if n not in notes]
            for note in notes:
                print(f"{prog}: note: {note}", file=sys.stderr)
            print(text)
            return 0
        if args.stat == "quantile" and (args.covariance or args.deff_replace):
            raise DesignError(
                "--covariance and --deff-replace apply to mean, total, proportion, ratio"
            )
        if args.stat == "quantile":
            result = design.quantile(
                args.y,
                args.quantiles or "0.5",
                by=_split(args.by) or None,
                qrule=args.qrule,
                level=args.level,
                df=args.df,
            )
            for note in result.notes:
                print(f"{prog}: note: {note}", file=sys.stderr)
            print(render(result, args.format))
            return 0
        if args.stat == "ratio" and not args.x:
            raise DesignError("--stat ratio needs --x COL (the denominator)")
        if args.x and args.stat != "ratio":
            raise DesignError("--x applies to --stat ratio only")
        if args.quantiles or args.qrule != "math":
            raise DesignError("--quantiles and --qrule apply to --stat quantile only")
        result = design.estimates(
            args.stat,
            args.y,
            x=args.x,
            by=_split(args.by) or None,
            ci=args.ci if args.stat == "proportion" else None,
            level=args.level,
            df=args.df,
            deff="replace" if args.deff_replace else True,
        )
        covariance = None
        if args.covariance:
            if not args.by:
                raise DesignError("--covariance needs --by (the domains)")
            covariance = design.vcov(args.stat, args.y, _split(args.by), x=args.x)
    except DesignError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 2
    for note in result.notes:
        print(f"{prog}: note: {note}", file=sys.stderr)
    print(render(result, args.format, covariance))
    return 0


def _entry(argv: Sequence[str] | None = None) -> int:
    return main(
        list(argv) if argv is not None else None, prog="python -m victimcare.estimation.cli"
    )


if __name__ == "__main__":
    sys.exit(_entry())
