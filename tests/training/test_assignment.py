"""Assignment to roles, teams or officers of the force; completion with the check's
score; completion by team and overdue; the learning system's import; rollout plans."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.factories import force_make, staff_make
from tests.training.factories import published_module_make
from victimcare.accounts.constants import Role
from victimcare.forces.models import Team
from victimcare.training import selectors, services
from victimcare.training.constants import CompletionSource, RolloutDesign
from victimcare.training.importer import completions_import
from victimcare.training.models import Assignment, Completion, RolloutPlan


@pytest.fixture
def world(db):
    mps = force_make("MPS", "Metropolitan Police Service")
    module, published, _draft = published_module_make(force=mps)
    Assignment.objects.all().delete()
    lead = staff_make(Role.SUPERVISOR, force=mps)
    teams = [Team.objects.create(force=mps, code=f"team-{i}", name=f"Team {i}") for i in range(6)]
    return {"force": mps, "module": module, "version": published, "lead": lead, "teams": teams}


RIGHT = {0: 1, 1: 0}  # the factory's check: the right options


# Who an assignment reaches (assigned to -> does an officer of team 0 see it?)
REACH = [
    ("role:officer", True),
    ("role:call_handler", False),
    ("team:0", True),
    ("team:1", False),
    ("officer:self", True),
]


@pytest.mark.parametrize(("target", "sees"), REACH)
def test_an_assignment_reaches_its_role_team_or_officer(world, target, sees):
    officer = staff_make(Role.OFFICER, force=world["force"], team=world["teams"][0])
    kind, value = target.split(":")
    kwargs = {
        "role": {"role": value},
        "team": {"team": world["teams"][int(value or 0)] if value.isdigit() else None},
        "officer": {"officer": officer},
    }[kind]
    services.assignment_create(
        user=world["lead"], version=world["version"], due_on=date(2099, 1, 1), **kwargs
    )
    assert bool(selectors.training_for_user(user=officer)) is sees


def test_assignment_to_another_forces_team_or_officer_is_refused(world):
    gmp = force_make("GMP")
    team = Team.objects.create(force=gmp, code="gmp-team", name="GMP team")
    for kwargs in ({"team": team}, {"officer": staff_make(Role.OFFICER, force=gmp)}):
        with pytest.raises(ValidationError, match="own force"):
            services.assignment_create(
                user=world["lead"], version=world["version"], due_on=date(2099, 1, 1), **kwargs
            )
    assert not Assignment.objects.exists()


def test_an_officer_completes_from_the_home_page_and_the_score_is_kept(world, client):
    officer = staff_make(Role.OFFICER, force=world["force"], team=world["teams"][0])
    services.assignment_create(
        user=world["lead"], version=world["version"], due_on=date(2099, 1, 1), role=Role.OFFICER
    )
    client.force_login(officer)
    home = client.get(reverse("core:staff-home")).content.decode()
    take = reverse("training:take", kwargs={"pk": world["version"].pk})
    assert take in home
    page = client.get(take).content.decode()
    assert "<strong>heard nothing</strong>" in page
    wrong = client.post(take, {"q0": "0", "q1": "0"})
    assert "You scored 50%" in wrong.content.decode()
    assert not Completion.objects.exists()
    assert client.post(take, {"q0": "1"}).status_code == 400  # question 2 unanswered
    assert client.post(take, {"q0": "1", "q1": "0"}).status_code == 302
    completion = Completion.objects.get()
    assert (completion.officer, completion.version, completion.score) == (
        officer,
        world["version"],
        100,
    )
    assert completion.source == CompletionSource.WEB


def test_supervisors_see_completion_by_team_and_overdue(world, client):
    done = staff_make(Role.OFFICER, force=world["force"], team=world["teams"][0])
    late = staff_make(Role.OFFICER, force=world["force"], team=world["teams"][0])
    staff_make(Role.OFFICER, force=world["force"], team=world["teams"][1])
    services.assignment_create(
        user=world["lead"],
        version=world["version"],
        role=Role.OFFICER,
        available_from=date(2026, 1, 1),
        due_on=date(2026, 2, 1),
    )
    services.completion_record(officer=done, version=world["version"], answers=RIGHT)
    [entry] = selectors.completion_by_team(force_id=world["force"].pk)
    rows = {t.team: (t.assigned, t.completed, t.overdue) for t in entry["teams"]}
    assert rows["Team 0"] == (2, 1, 1)
    assert rows["Team 1"] == (1, 0, 1)
    client.force_login(world["lead"])
    page = client.get(reverse("training:progress")).content.decode()
    assert str(late) in page


def _csv(*rows):
    return "username,module,version,completed_at,score\n" + "\n".join(rows) + "\n"


def test_the_import_records_completions_and_is_safe_to_re_run(world):
    officer = staff_make(Role.OFFICER, force=world["force"], username="pc.jones")
    text = _csv("pc.jones,keeping-informed,1,2099-01-02,90")
    first = completions_import(text)
    again = completions_import(text)
    assert (first.imported, first.skipped, again.imported, again.skipped) == (1, 0, 0, 1)
    completion = Completion.objects.get()
    assert (completion.officer, completion.score, completion.source) == (officer, 90, "import")


IMPORT_REJECTS = [
    ("nobody,keeping-informed,1,2099-01-02,90", "no staff member"),
    ("pc.jones,no-such-module,1,2099-01-02,90", "no module"),
    ("pc.jones,keeping-informed,7,2099-01-02,90", "version 7"),
    ("pc.jones,keeping-informed,2,2099-01-02,90", "not published"),
    ("pc.jones,keeping-informed,x,2099-01-02,90", "not a number"),
    ("pc.jones,keeping-informed,1,yesterday,90", "not a date"),
    ("pc.jones,keeping-informed,1,2099-01-02,101", "from 0 to 100"),
    ("gmp.officer,keeping-informed,1,2099-01-02,90", "no module"),
]


@pytest.mark.parametrize(("row", "reason"), IMPORT_REJECTS)
def test_the_import_rejects_with_reasons_and_writes_nothing(world, row, reason):
    staff_make(Role.OFFICER, force=world["force"], username="pc.jones")
    staff_make(Role.OFFICER, force=force_make("GMP"), username="gmp.officer")
    result = completions_import(_csv("pc.jones,keeping-informed,1,2099-01-02,90", row))
    assert [line for line, _ in result.rejects] == [3]
    assert reason in result.rejects[0][1]
    assert not Completion.objects.exists()


def test_the_import_command_prints_rejects_and_exits_1(world, tmp_path, capsys):
    from victimcare.cli import main

    path = tmp_path / "completions.csv"
    path.write_text(_csv("nobody,keeping-informed,1,2099-01-02,90"))
    assert main(["training", "import", str(path)]) == 1
    assert "line 2: no staff member" in capsys.readouterr().err


def test_the_same_seed_gives_the_same_order_and_every_team_one_wave():
    teams = [f"team-{i}" for i in range(10)]
    first = services.stepped_wedge_order(teams, seed=42, waves=4)
    assert first == services.stepped_wedge_order(list(reversed(teams)), seed=42, waves=4)
    assert sorted(code for wave in first for code in wave) == sorted(teams)
    assert [len(w) for w in first] == [3, 3, 2, 2]
    assert first != services.stepped_wedge_order(teams, seed=43, waves=4)


def test_a_stepped_wedge_plan_assigns_each_team_from_its_wave(world):
    start = date(2099, 1, 4)
    plan = services.rollout_plan_set(
        user=world["lead"],
        module=world["module"],
        design=RolloutDesign.STEPPED_WEDGE,
        seed=7,
        waves=3,
        starts_on=start,
        period_days=28,
        on=date(2098, 12, 1),
    )
    assert plan.team_order == services.stepped_wedge_order(
        [t.code for t in world["teams"]], seed=7, waves=3
    )
    starts = {a.team.code: a.available_from for a in Assignment.objects.filter(rollout=plan)}
    for number, wave in enumerate(plan.team_order):
        for code in wave:
            assert starts[code] == start + timedelta(days=28 * number)


def test_a_plan_can_be_replaced_before_its_first_wave_but_never_after(world):
    kwargs = {
        "user": world["lead"],
        "module": world["module"],
        "waves": 2,
        "period_days": 14,
        "starts_on": date(2099, 1, 4),
    }
    services.rollout_plan_set(
        design=RolloutDesign.STEPPED_WEDGE, seed=1, on=date(2098, 12, 1), **kwargs
    )
    replaced = services.rollout_plan_set(
        design=RolloutDesign.ALL_AT_ONCE, seed=2, on=date(2098, 12, 2), **kwargs
    )
    assert Assignment.objects.filter(rollout=replaced).count() == 6
    with pytest.raises(ValidationError, match="first wave has started"):
        services.rollout_plan_set(
            design=RolloutDesign.STEPPED_WEDGE, seed=3, on=date(2099, 1, 4), **kwargs
        )
    plan = RolloutPlan.objects.get()
    assert (plan.design, plan.seed) == (RolloutDesign.ALL_AT_ONCE, 2)
    with pytest.raises(PermissionError):
        plan.save()


def test_a_plan_whose_first_wave_is_not_in_the_future_is_refused(world):
    with pytest.raises(ValidationError, match="after today"):
        services.rollout_plan_set(
            user=world["lead"],
            module=world["module"],
            design=RolloutDesign.ALL_AT_ONCE,
            seed=1,
            waves=1,
            starts_on=date(2026, 1, 1),
            period_days=14,
            on=date(2026, 1, 1),
        )
    assert not RolloutPlan.objects.exists()
