"""`victimcare care breaches` and `victimcare care rebuild` from the command line."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import case_make
from victimcare.care.models import Obligation
from victimcare.cli import main

pytestmark = pytest.mark.django_db


def test_breaches_marks_overdue_obligations_once(capsys):
    case_make(reported_at=timezone.now() - timedelta(hours=1))
    open_now = Obligation.objects.filter(status="open")
    assert open_now.exists()
    # Time passes: the deadlines go by while the obligations are still open.
    open_now.update(due_at=timezone.now() - timedelta(minutes=1))
    assert main(["care", "breaches"]) == 0
    first = capsys.readouterr().out
    assert int(first.split()[0].replace(",", "")) > 0
    assert main(["care", "breaches"]) == 0
    assert capsys.readouterr().out.startswith("0 obligations newly marked breached")


def test_rebuild_recomputes_from_the_logs(capsys):
    case_make()
    assert main(["care", "rebuild", "--force", "MPS"]) == 0
    assert "obligations recomputed" in capsys.readouterr().out


def test_rebuild_of_an_unknown_force_is_a_clear_error(capsys):
    assert main(["care", "rebuild", "--force", "XXX"]) == 2
    assert "no cases in a force with code 'XXX'" in capsys.readouterr().err
