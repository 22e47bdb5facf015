"""Rule sets are versioned data: loading is idempotent and a change makes a new version."""

import json
import shutil

import pytest

from victimcare.care.clock import RuleDefinitionError
from victimcare.care.models import Rule, RuleSetVersion
from victimcare.care.services.rule_sets import RULE_SET_DIR, rule_sets_load

pytestmark = pytest.mark.django_db


def test_the_migration_loaded_the_three_rule_sets():
    codes = set(RuleSetVersion.objects.values_list("rule_set__code", flat=True))
    assert codes == {"vc2015", "vc2020", "tvc"}
    tvc = RuleSetVersion.objects.get(rule_set__code="tvc", version=1)
    assert "visit_offer" in set(tvc.rules.values_list("code", flat=True))


def test_loading_again_changes_nothing():
    assert rule_sets_load() == []


def test_a_changed_rule_set_becomes_a_new_version_and_the_old_one_is_kept(tmp_path):
    shutil.copy(RULE_SET_DIR / "rule_set_vc2020.json", tmp_path)
    path = tmp_path / "rule_set_vc2020.json"
    data = json.loads(path.read_text())
    data["rules"][0]["deadline"]["working_days"] = 3
    path.write_text(json.dumps(data))
    old_rule = Rule.objects.get(
        version__rule_set__code="vc2020", version__version=1, code="written_information"
    )
    newest = RuleSetVersion.objects.filter(rule_set__code="vc2020").order_by("version").last()
    (created,) = rule_sets_load(directory=tmp_path)
    assert created.version == newest.version + 1
    old_rule.refresh_from_db()
    assert old_rule.definition["deadline"]["working_days"] == 5
    assert rule_sets_load(directory=tmp_path) == []


def test_a_rule_the_clock_cannot_run_is_refused(tmp_path):
    data = json.loads((RULE_SET_DIR / "rule_set_vc2020.json").read_text())
    data["rules"][0]["trigger"]["event"] = "moon_phase"
    (tmp_path / "rule_set_vc2020.json").write_text(json.dumps(data))
    with pytest.raises(RuleDefinitionError):
        rule_sets_load(directory=tmp_path)
