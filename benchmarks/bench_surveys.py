"""Survey sampling at national scale, on PostgreSQL.

Generates one month of reports for one force at the national demo scale (default
500,000 reports, every crime type, with victims, personal details and a few survey
flags) in its own database (``victimcare_bench_surveys``) with set-based INSERT ...
SELECT, unless that month is already there. Then times:
- building the sampling frame (every exclusion tested, strata formed);
- drawing the stratified sample from it (allocation, SRS per stratum, rows stored);
and prints, as the same-run baseline, a plain count of the same month's victims.

    .venv/bin/python benchmarks/bench_surveys.py --quick          # 50,000 reports
    .venv/bin/python benchmarks/bench_surveys.py --reports 500000
    POSTGRES_URL=postgres://user@host:5432/victimcare .venv/bin/python benchmarks/bench_surveys.py

``POSTGRES_URL`` is a database URL as the Makefile sets it; only its server part is used
(the benchmark works in a database of its own on that server).

Target (issue #5): frame and draw for a month of ~500,000 reports in under 10 s.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, date
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

BENCH_DB = "victimcare_bench_surveys"
MONTH = date(2026, 3, 1)
FORCE = "MPS"


def database_prepare(server: str) -> str:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DB]).fetchone()
        if not found:
            conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    return f"{server}/{BENCH_DB}"


def django_setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "victimcare.config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def month_generate(reports: int) -> None:
    """The month's reports for the force, as the national demo world would hold them."""
    from django.db import connection

    from victimcare.forces.models import Area, CrimeType, Force
    from victimcare.forces.services import reference_data_load
    from victimcare.surveys.sampling import london_midnight, month_add

    reference_data_load()
    force = Force.objects.get(code=FORCE)
    areas = list(Area.objects.filter(force=force).values_list("id", flat=True))
    crimes = list(CrimeType.objects.order_by("code").values_list("id", flat=True))
    start = london_midnight(MONTH).astimezone(UTC)
    # In UTC: a month with a clock change is an hour shorter or longer.
    seconds = int((london_midnight(month_add(MONTH, 1)).astimezone(UTC) - start).total_seconds())
    with connection.cursor() as cur:
        cur.execute(
            "TRUNCATE cases_case, cases_victim, cases_victimpersonaldetails, cases_caseevent, "
            "surveys_sample, surveys_samplestratum, surveys_samplemember, surveys_surveyflag "
            "CASCADE"
        )
        cur.execute(
            """
            INSERT INTO cases_case (reference, force_id, area_id, crime_type_id, reported_at,
              channel, status, summary, created_at)
            SELECT 'MPS-26-' || lpad(i::text, 7, '0'), %(force)s,
                   (%(areas)s::bigint[])[1 + (i::bigint * 7919) %% %(n_areas)s],
                   (%(crimes)s::bigint[])[1 + (i::bigint * 104729) %% %(n_crimes)s],
                   %(start)s::timestamptz + ((i::bigint * 2654435761) %% %(seconds)s) * interval '1 second',
                   'phone', 'reported', '', now()
            FROM generate_series(1, %(reports)s) i
            """,
            {
                "force": force.pk,
                "areas": areas,
                "n_areas": len(areas),
                "crimes": crimes,
                "n_crimes": len(crimes),
                "start": start,
                "seconds": seconds,
                "reports": reports,
            },
        )
        cur.execute(
            """
            INSERT INTO cases_victim (case_id, pseudonym, most_serious_crime,
              persistently_targeted, vulnerable, intimidated, age_band, sex, ethnicity, disability)
            SELECT id, md5('bench' || id)::uuid, false, false, false, false,
                   (ARRAY['under_16','16_24','25_34','35_44','45_54','55_64','65_plus',''])[1 + id %% 8],
                   (ARRAY['female','male',''])[1 + id %% 3],
                   (ARRAY['white','asian','black','mixed','other','white','white',''])[1 + id %% 8],
                   (ARRAY['no','yes','no','no',''])[1 + id %% 5]
            FROM cases_case
            """,
            [],
        )
        cur.execute(
            """
            INSERT INTO cases_victimpersonaldetails (victim_id, given_name, family_name,
              date_of_birth, email, phone, address, postcode, preferred_contact, times_to_avoid,
              phone_is_safe)
            SELECT id, 'Given' || (id %% 997), 'Family' || (id %% 1499),
                   CASE WHEN id %% 10 = 0 THEN NULL
                        ELSE date '1940-01-01' + (id %% 25000)::int END,
                   CASE WHEN id %% 5 < 3 THEN 'v' || id || '@example.com' ELSE '' END,
                   CASE WHEN id %% 4 < 3 THEN '07700 900' || lpad((id %% 1000)::text, 3, '0')
                        ELSE '' END,
                   CASE WHEN id %% 50 = 0 THEN '' ELSE id || ' Bench Road' END,
                   CASE WHEN id %% 50 = 0 THEN '' ELSE 'E8 1AA' END,
                   (ARRAY['email','sms','phone','letter'])[1 + id %% 4], '',
                   CASE WHEN id %% 20 = 0 THEN false ELSE true END
            FROM cases_victim
            """,
            [],
        )
        cur.execute(
            """
            INSERT INTO surveys_surveyflag (victim_id, kind, set_at)
            SELECT id, (ARRAY['opted_out','officer_on_duty','do_not_contact','deceased',
                              'domestic_abuse'])[1 + id %% 5], now()
            FROM cases_victim WHERE id %% 97 = 0
            """,
            [],
        )
        cur.execute("ANALYZE")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=500_000, help="reports in the month")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 50,000 reports")
    parser.add_argument("--target", type=int, default=1600, help="interviews wanted")
    args = parser.parse_args()
    reports = 50_000 if args.quick else args.reports
    given = urlsplit(
        os.environ.get("POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/victimcare")
    )
    server = urlunsplit((given.scheme, given.netloc, "", "", ""))
    try:
        url = database_prepare(server)
    except Exception as error:  # noqa: BLE001 - any connection failure: say so and skip
        print(f"bench_surveys: PostgreSQL not reachable at {server} ({error}); skipped")
        return 0
    django_setup(url)

    from victimcare.cases.models import Victim
    from victimcare.forces.models import Force
    from victimcare.surveys.models import Sample
    from victimcare.surveys.sampling import london_midnight, month_add, sampling_frame_build
    from victimcare.surveys.services import SampleDesign, sample_draw

    def month_victims():
        force = Force.objects.filter(code=FORCE).first()
        return Victim.objects.filter(
            case__force=force,
            case__reported_at__gte=london_midnight(MONTH),
            case__reported_at__lt=london_midnight(month_add(MONTH, 1)),
        )

    if month_victims().count() != reports:
        started = time.perf_counter()
        print(f"Generating {reports:,} reports for {FORCE} in {MONTH:%B %Y} ...", flush=True)
        month_generate(reports)
        print(f"  generated in {time.perf_counter() - started:.1f} s")
    force = Force.objects.get(code=FORCE)
    Sample.objects.filter(force=force).delete()  # a clean slate: earlier runs drew samples

    started = time.perf_counter()
    baseline_count = month_victims().count()
    baseline = time.perf_counter() - started

    started = time.perf_counter()
    frame = sampling_frame_build(force=force, month=MONTH)
    frame_seconds = time.perf_counter() - started
    started = time.perf_counter()
    sample = sample_draw(
        force=force,
        month=MONTH,
        design=SampleDesign(target_interviews=args.target, expected_response_rate=0.45),
        seed=1,
        frame=frame,
    )
    draw_seconds = time.perf_counter() - started
    drawn = sample.members.count()
    total = frame_seconds + draw_seconds
    print(
        f"month of {baseline_count:,} reports: {frame.in_scope:,} in scope, "
        f"{frame.eligible:,} eligible, {sum(frame.exclusions.values()):,} excluded "
        f"({len(frame.strata)} strata); drew {drawn:,}"
    )
    print(f"baseline  plain count of the month's victims  {baseline:8.3f} s")
    print(f"frame     build (exclusions, strata)          {frame_seconds:8.3f} s")
    print(f"draw      allocate, sample, store             {draw_seconds:8.3f} s")
    print(
        f"frame + draw {total:.2f} s = {total / max(baseline, 1e-6):.0f} x the plain count "
        f"(target < 10 s for ~500,000 reports)"
    )
    # Again, now that victims were sampled in the last 12 months: person matching runs too.
    Sample.objects.filter(pk=sample.pk).update(month=month_add(MONTH, -1))
    started = time.perf_counter()
    again = sampling_frame_build(force=force, month=MONTH)
    repeat = time.perf_counter() - started
    print(
        f"frame     again, {again.exclusions.get('recently_sampled', 0):,} recently sampled "
        f"{repeat:8.3f} s"
    )
    Sample.objects.filter(pk=sample.pk).delete()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
