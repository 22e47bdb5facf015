"""No waiting: importing the library and asking for --help load no scipy and no DuckDB.

Each check runs in a fresh interpreter (``python -c``) and inspects ``sys.modules``
after the import or after ``--help``, so that modules imported by other tests in this
process do not hide a regression.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = str(Path(__file__).resolve().parents[2] / "src")
HEAVY = ("scipy", "scipy.stats", "scipy.special", "duckdb")

PROBE = """
import contextlib, io, json, sys
{setup}
print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)), file=sys.__stderr__)
"""

HELP = """
with contextlib.redirect_stdout(io.StringIO()):
    try:
        {call}
    except SystemExit:
        pass
"""

CASES = {
    "import the library": "import victimcare.estimation",
    "import the regression module": "import victimcare.estimation.regression",
    "victimcare --help": HELP.format(call="from victimcare.cli import main; main(['--help'])"),
    "victimcare estimate --help": HELP.format(
        call="from victimcare.cli import main; main(['estimate', '--help'])"
    ),
    "python -m victimcare.estimation.cli --help": HELP.format(
        call="from victimcare.estimation.cli import main; main(['--help'])"
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_no_scipy_or_duckdb_is_loaded_before_computing(case):
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run(
        [sys.executable, "-c", PROBE.format(setup=CASES[case], heavy=HEAVY)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    loaded = json.loads(proc.stderr.strip().splitlines()[-1])
    assert loaded == [], f"{case} loaded {loaded}"


def test_computing_an_interval_loads_no_scipy():
    """Intervals on whole design df take t quantiles from ``student_t``: no scipy at all
    (a numeric df such as 2.5 would load scipy.special, never scipy.stats)."""
    code = (
        "import sys\n"
        "from victimcare.estimation import Design\n"
        "e = Design({'y': [1.0, 2.0, 4.0, 7.0]}).mean('y')\n"
        "print(e.ci_low < e.estimate < e.ci_high, 'scipy.special' in sys.modules, "
        "'scipy.stats' in sys.modules)\n"
    )
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    assert proc.stdout.split() == ["True", "False", "False"], proc.stderr
