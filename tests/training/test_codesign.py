"""Co-design: who may edit and sign off, publication only with every sign-off of the
same revision, every change kept; a support organisation sees only its invitations."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse

from tests.factories import force_make, staff_make
from tests.training.factories import CHECK, POINTS, SECTIONS, draft_module_make, organisation_make
from victimcare.accounts.constants import Role
from victimcare.training import selectors, services
from victimcare.training.constants import ChangeKind, VersionStatus
from victimcare.training.models import SignOff, VersionChange


@pytest.fixture
def mps(db):
    return force_make("MPS", "Metropolitan Police Service")


@pytest.fixture
def drafted(mps):
    module, draft, lead, organisation = draft_module_make(force=mps)
    partner = staff_make(Role.SUPPORT_ORGANISATION, force=mps, support_organisation=organisation)
    return module, draft, lead, organisation, partner


def _edit(user, version, sections=SECTIONS):
    return services.version_edit(
        user=user,
        version=version,
        sections=sections,
        learning_points=POINTS,
        check=CHECK,
        quotes=[],
        pass_mark=80,
    )


# Who may edit a draft: the force's training lead and invited organisations' staff.
EDITORS = [
    ("lead", True),
    ("partner", True),
    ("uninvited-partner", False),
    ("officer", False),
    ("other-force-lead", False),
]


@pytest.mark.parametrize(("who", "may"), EDITORS)
def test_who_may_edit_a_draft(drafted, mps, who, may):
    _module, draft, lead, _organisation, partner = drafted
    users = {
        "lead": lead,
        "partner": partner,
        "uninvited-partner": staff_make(
            Role.SUPPORT_ORGANISATION,
            force=mps,
            support_organisation=organisation_make(mps, "Not invited"),
        ),
        "officer": staff_make(Role.OFFICER, force=mps),
        "other-force-lead": staff_make(Role.SUPERVISOR, force=force_make("GMP")),
    }
    if may:
        assert _edit(users[who], draft).revision == draft.revision + 1
    else:
        with pytest.raises(ValidationError):
            _edit(users[who], draft)
        draft.refresh_from_db()
        assert draft.revision == 2


def test_publication_needs_the_lead_and_every_invited_organisation(drafted, mps):
    module, draft, lead, _organisation, partner = drafted
    second = organisation_make(mps, "Rape Crisis (test)")
    services.invitation_create(user=lead, module=module, organisation=second)
    services.sign_off_record(user=lead, version=draft)
    with pytest.raises(ValidationError, match="Victim Support"):
        services.version_publish(user=lead, version=draft)
    services.sign_off_record(user=partner, version=draft)
    with pytest.raises(ValidationError, match="Rape Crisis"):
        services.version_publish(user=lead, version=draft)
    services.sign_off_record(
        user=staff_make(Role.SUPPORT_ORGANISATION, force=mps, support_organisation=second),
        version=draft,
    )
    assert services.version_publish(user=lead, version=draft).status == VersionStatus.PUBLISHED


def test_an_edit_after_sign_off_needs_signing_off_again(drafted):
    _module, draft, lead, _organisation, partner = drafted
    services.sign_off_record(user=lead, version=draft)
    services.sign_off_record(user=partner, version=draft)
    draft = _edit(partner, draft, sections="## New\n\nChanged by the charity")
    with pytest.raises(ValidationError, match="Not yet signed off"):
        services.version_publish(user=lead, version=draft)
    assert SignOff.objects.filter(version=draft).count() == 2  # the old ones are kept


def test_only_the_lead_publishes_and_a_published_version_never_changes(drafted):
    _module, draft, lead, _organisation, partner = drafted
    services.sign_off_record(user=lead, version=draft)
    services.sign_off_record(user=partner, version=draft)
    with pytest.raises(ValidationError):
        services.version_publish(user=partner, version=draft)
    published = services.version_publish(user=lead, version=draft)
    with pytest.raises(ValidationError, match="never changes"):
        _edit(lead, published)


def test_a_module_without_an_invited_organisation_is_never_published(mps):
    lead = staff_make(Role.SUPERVISOR, force=mps)
    module = services.module_create(user=lead, code="solo", title="Solo", measure="treatment")
    draft = _edit(lead, module.versions.get())
    services.sign_off_record(user=lead, version=draft)
    with pytest.raises(ValidationError, match="Invite at least one"):
        services.version_publish(user=lead, version=draft)


def test_only_organisations_working_with_the_force_are_invited(drafted):
    module, _draft, lead, _organisation, _partner = drafted
    elsewhere = organisation_make(force_make("GMP"), "Manchester only")
    with pytest.raises(ValidationError):
        services.invitation_create(user=lead, module=module, organisation=elsewhere)


def test_every_change_and_sign_off_is_kept_with_who_and_when(drafted):
    module, draft, lead, organisation, partner = drafted
    _edit(partner, draft)
    draft.refresh_from_db()
    services.sign_off_record(user=partner, version=draft)
    kinds = list(
        module.changes.order_by("at", "id").values_list("kind", "by_id", "organisation_id")
    )
    assert kinds[0] == (ChangeKind.CREATED, lead.pk, None)
    assert (ChangeKind.EDITED, partner.pk, organisation.pk) in kinds
    assert kinds[-1] == (ChangeKind.SIGNED_OFF, partner.pk, organisation.pk)
    edit = module.changes.filter(kind=ChangeKind.EDITED, by=partner).get()
    assert edit.content["sections"][0]["heading"] == "Why it matters"
    with pytest.raises(PermissionError):
        edit.save()
    with pytest.raises(PermissionError):
        VersionChange.objects.all().delete()
    with pytest.raises(PermissionError):
        SignOff.objects.update(revision=1)


def test_a_support_organisation_sees_only_the_modules_it_is_invited_to(drafted, mps, client):
    module, _draft, _lead, _organisation, partner = drafted
    uninvited, *_ = draft_module_make(force=mps, code="other", organisation_name="Someone else")
    assert list(selectors.modules_for_user(user=partner)) == [module]
    with pytest.raises(Http404):
        selectors.module_get(user=partner, pk=uninvited.pk)
    client.force_login(partner)
    page = client.get(reverse("training:index")).content.decode()
    assert module.title in page
    assert client.get(reverse("training:module", kwargs={"pk": uninvited.pk})).status_code == 404


def test_the_support_organisation_edits_and_signs_off_through_its_pages(drafted, client):
    module, draft, _lead, _organisation, partner = drafted
    client.force_login(partner)
    url = reverse("training:version-edit", kwargs={"pk": draft.pk})
    form = client.get(url)
    assert form.status_code == 200
    answer = client.post(
        url,
        {
            "sections": "## From us\n\n<script>x()</script> **Ring back**",
            "learning_points": "One",
            "check": CHECK,
            "pass_mark": "80",
            "note": "Our wording",
        },
    )
    assert answer.status_code == 302
    client.post(reverse("training:sign-off", kwargs={"pk": draft.pk}))
    page = client.get(reverse("training:module", kwargs={"pk": module.pk})).content.decode()
    assert "<strong>Ring back</strong>" in page
    assert "<script>x()" not in page
    assert "Our wording" in page
    assert f"Signed off by {partner}" in page


def test_a_bad_knowledge_check_is_a_form_error_and_nothing_is_written(drafted, client):
    _module, draft, lead, *_ = drafted
    client.force_login(lead)
    answer = client.post(
        reverse("training:version-edit", kwargs={"pk": draft.pk}),
        {"sections": "Text", "learning_points": "One", "check": "? q\n- a\n- b", "pass_mark": "80"},
    )
    assert answer.status_code == 400
    assert "no right option" in answer.content.decode()
    draft.refresh_from_db()
    assert draft.revision == 2
