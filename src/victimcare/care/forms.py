"""Forms of the care pages. Error messages say how to put the answer right."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from victimcare.accounts.models import SupportOrganisation
from victimcare.care.constants import (
    COMPENSATION_INFORMATION,
    PROPERTY_INFORMATION,
    UPDATE_EVERY_DAYS_MAX,
    Need,
    ReferralConsent,
    ReferralStatus,
    SafeRoute,
)
from victimcare.cases.constants import EnhancedGround
from victimcare.core.periods import YEAR_MIN, PeriodDateField
from victimcare.core.timezones import LONDON


class VictimChoiceMixin:
    """A victim field when a case has several victims; hidden when it has one."""

    def add_victim_field(self, victims):
        self.victims = list(victims)
        choices = [
            (str(v.pk), _("Victim %(n)s") % {"n": i}) for i, v in enumerate(self.victims, start=1)
        ]
        self.fields["victim"] = forms.ChoiceField(
            label=_("Which victim"),
            choices=choices,
            initial=choices[0][0] if choices else None,
            error_messages={"required": _("Choose which victim this is about")},
        )

    def chosen_victim(self):
        wanted = self.cleaned_data.get("victim")
        return next((v for v in self.victims if str(v.pk) == wanted), None)


class ContactForm(forms.Form):
    victim_text = forms.CharField(
        label=_("Update for the victim"),
        help_text=_(
            "The victim sees this in Track my case. Say what happened and what happens next, "
            "in plain words."
        ),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=2000,
        error_messages={
            "required": _(
                "Enter the update the victim will see, for example what was decided and why"
            ),
            "max_length": _("The update must be 2,000 characters or fewer"),
        },
    )
    covers_vrr = forms.BooleanField(
        required=False, label=_("I explained the Victims' Right to Review")
    )
    covers_vps = forms.BooleanField(
        required=False, label=_("I offered a Victim Personal Statement")
    )
    covers_written = forms.BooleanField(
        required=False, label=_("I gave the written information about the Victims' Code")
    )
    covers_compensation = forms.BooleanField(
        required=False,
        label=_("I told the victim how they may claim compensation (Victims' Code right 5)"),
    )
    covers_property = forms.BooleanField(
        required=False,
        label=_(
            "I told the victim about their property we hold: what, why and when they can "
            "have it back (right 10)"
        ),
    )

    def covers(self) -> list[str]:
        picked = {
            "covers_vrr": "vrr_information",
            "covers_vps": "vps_offer",
            "covers_written": "written_information",
            "covers_compensation": COMPENSATION_INFORMATION,
            "covers_property": PROPERTY_INFORMATION,
        }
        return [code for name, code in picked.items() if self.cleaned_data.get(name)]


class NeedsAssessmentForm(VictimChoiceMixin, forms.Form):
    needs = forms.MultipleChoiceField(
        label=_("What does the victim need?"),
        help_text=_("Select all that apply."),
        choices=Need.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    language = forms.CharField(
        label=_("Language needed"),
        help_text=_("For example, Polish or British Sign Language."),
        required=False,
        max_length=80,
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )
    referral_consent = forms.ChoiceField(
        label=_("Does the victim want to be referred to a support service?"),
        choices=ReferralConsent.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether the victim wants to be referred to support")},
    )
    share_contact_details = forms.BooleanField(
        required=False, label=_("Name and the safe contact route below")
    )
    share_needs = forms.BooleanField(required=False, label=_("The needs recorded here"))
    share_summary = forms.BooleanField(required=False, label=_("What happened, in brief"))
    safe_route = forms.ChoiceField(
        label=_("Safe way for a support service to contact the victim"),
        choices=[("", _("None agreed")), *list(SafeRoute.choices)],
        required=False,
        widget=forms.RadioSelect,
    )
    safe_route_confirmed = forms.BooleanField(
        required=False,
        label=_("The victim confirmed this route is safe to use (needed for domestic abuse)"),
    )
    update_every_days = forms.IntegerField(
        label=_("How often does the victim want updates on the investigation? (days)"),
        help_text=_("Agree this with the victim. Leave blank for every 28 days."),
        required=False,
        min_value=1,
        max_value=UPDATE_EVERY_DAYS_MAX,
        error_messages={
            "invalid": _("Enter how often the victim wants updates as a number of days"),
            "min_value": _("Enter a number of days from 1 to %(limit_value)s"),
            "max_value": _("Enter a number of days up to %(limit_value)s"),
        },
    )
    compensation_information = forms.BooleanField(
        required=False,
        label=_(
            "I told the victim how they may claim compensation: the Criminal Injuries "
            "Compensation Scheme, and a compensation order if someone is convicted (Victims' "
            "Code right 5)"
        ),
    )
    enhanced_grounds = forms.MultipleChoiceField(
        label=_("Is the victim entitled to enhanced rights?"),
        help_text=_(
            "Select any that you have assessed. Grounds that follow from the crime type or "
            "the victim's age are added without asking. Enhanced victims are told of "
            "decisions within 1 working day."
        ),
        choices=EnhancedGround.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, victims, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_victim_field(victims)

    def clean(self):
        data = super().clean()
        if Need.LANGUAGE in data.get("needs", []) and not data.get("language", "").strip():
            self.add_error("language", _("Enter the language the victim needs"))
        if data.get("share_contact_details") and not data.get("safe_route"):
            self.add_error(
                "safe_route",
                _("Choose a safe way to contact the victim, or do not share contact details"),
            )
        return data


class ReferralForm(VictimChoiceMixin, forms.Form):
    organisation: forms.ModelChoiceField[SupportOrganisation] = forms.ModelChoiceField(
        queryset=None,
        label=_("Support organisation"),
        empty_label=None,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the support organisation to refer the victim to")},
    )

    def __init__(self, *args, victims, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.add_victim_field(victims)


class VisitForm(VictimChoiceMixin, forms.Form):
    ACTIONS = [
        ("offer", _("Offered a visit")),
        ("book", _("Booked a visit (victim accepted)")),
        ("decline", _("The victim declined a visit")),
        ("done", _("Visit done")),
        ("missed", _("Visit missed")),
    ]
    action = forms.ChoiceField(
        label=_("What happened?"),
        choices=ACTIONS,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what happened with the visit")},
    )
    slot = forms.ChoiceField(
        label=_("Visit time"),
        help_text=_("Needed when booking a visit."),
        required=False,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, victims, slots, **kwargs):
        super().__init__(*args, **kwargs)
        self.slots = list(slots)
        self.fields["slot"].choices = [
            (str(s.pk), timezone.localtime(s.starts_at, LONDON).strftime("%A %-d %B %Y, %H:%M"))
            for s in self.slots
        ]
        self.add_victim_field(victims)

    def clean(self):
        data = super().clean()
        if data.get("action") == "book" and not data.get("slot"):
            self.add_error("slot", _("Choose a visit time to book, or record the offer only"))
        return data

    def chosen_slot(self):
        wanted = self.cleaned_data.get("slot")
        return next((s for s in self.slots if str(s.pk) == wanted), None)


class ReferralStatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("What has your organisation done?"),
        choices=[c for c in ReferralStatus.choices if c[0] != ReferralStatus.SENT],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what your organisation has done")},
    )
    reason = forms.CharField(
        label=_("If you are declining the referral, say why"),
        help_text=_("For example, the victim lives outside the area you cover"),
        required=False,
        max_length=2000,
        widget=forms.Textarea,
    )

    def clean(self):
        data = super().clean()
        if data.get("status") == ReferralStatus.DECLINED and not data.get("reason"):
            self.add_error("reason", _("Say why your organisation is declining the referral"))
        return data


class ReferralNoteForm(forms.Form):
    text = forms.CharField(
        label=_("Add a note"),
        help_text=_("What your organisation has done or plans to do"),
        max_length=4000,
        widget=forms.Textarea,
        error_messages={"required": _("Enter the note")},
    )


class ComplianceFilterForm(forms.Form):
    start = PeriodDateField(
        label=_("From"),
        help_text=_("For example, 1/4/2026"),
        required=False,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={"invalid": _("Enter the start date as a real date, like 1/4/2026")},
    )
    end = PeriodDateField(
        label=_("To"),
        help_text=_("For example, 31/3/2027"),
        required=False,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={"invalid": _("Enter the end date as a real date, like 31/3/2027")},
    )
    area = forms.ChoiceField(label=_("Area"), required=False)
    team = forms.ChoiceField(
        label=_("Team"),
        required=False,
        error_messages={"invalid_choice": _("Choose one of your force's teams from the list")},
    )
    officer = forms.ChoiceField(label=_("Officer"), required=False)

    def __init__(self, *args, areas, officers, teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", _("All areas"))] + [(str(a.pk), a.name) for a in areas]
        self.fields["team"].choices = [("", _("All teams"))] + [(str(t.pk), t.name) for t in teams]
        # ``officers`` as (id, name) pairs (selectors.compliance_officer_choices).
        self.fields["officer"].choices = [("", _("All officers"))] + [
            (str(pk), name) for pk, name in officers
        ]

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", _("The end date must be the same as or after the start date"))
        return data

    def period(self, today: date) -> tuple[date, date]:
        """The dates asked for; by default the twelve months to ``end`` (or today). A
        default start is never before the first date the field accepts."""
        end = self.cleaned_data.get("end") or today
        start = self.cleaned_data.get("start") or max(
            date(end.year - 1, end.month, 1), date(YEAR_MIN, 1, 1)
        )
        return start, end


class OfficerAssignForm(forms.Form):
    officer = forms.ChoiceField(
        label=_("Officer in charge"),
        error_messages={"required": _("Choose the officer to put in charge")},
    )
    note = forms.CharField(
        label=_("Hand-over note (optional)"),
        help_text=_("What the new officer needs to know. Staff only: the victim does not see it."),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": _("The note must be 2,000 characters or fewer")},
    )

    def __init__(self, *args, officers, **kwargs):
        super().__init__(*args, **kwargs)
        self.officers = list(officers)
        self.fields["officer"].choices = [("", _("Choose an officer"))] + [
            (o.username, f"{o} ({o.team})" if o.team_id else str(o)) for o in self.officers
        ]

    def chosen_officer(self):
        wanted = self.cleaned_data.get("officer")
        return next((o for o in self.officers if o.username == wanted), None)


class VisitTimesForm(forms.Form):
    WEEKDAYS = [
        ("", _("Once only, on the date given")),
        ("0", _("Every Monday")),
        ("1", _("Every Tuesday")),
        ("2", _("Every Wednesday")),
        ("3", _("Every Thursday")),
        ("4", _("Every Friday")),
        ("5", _("Every Saturday")),
        ("6", _("Every Sunday")),
    ]
    area = forms.ChoiceField(
        label=_("Area"), error_messages={"required": _("Choose the area of the visit time")}
    )
    repeat = forms.ChoiceField(
        label=_("Repeat"), choices=WEEKDAYS, required=False, widget=forms.Select
    )
    first_day = forms.DateField(
        label=_("Date (or first day of the pattern)"),
        help_text=_("For example, 2027-03-25"),
        error_messages={
            "required": _("Enter the date of the visit time"),
            "invalid": _("Enter a real date, for example 2027-03-25"),
        },
    )
    last_day = forms.DateField(
        label=_("Last day of the pattern"),
        help_text=_("Only for a repeating pattern. For example, 2027-04-22"),
        required=False,
        error_messages={"invalid": _("Enter a real date, for example 2027-04-22")},
    )
    start = forms.TimeField(
        label=_("Start time"),
        help_text=_("24-hour clock, for example 14:00"),
        error_messages={
            "required": _("Enter the start time"),
            "invalid": _("Enter a time such as 14:00"),
        },
    )
    minutes = forms.IntegerField(
        label=_("Length in minutes"),
        initial=60,
        min_value=15,
        max_value=480,
        error_messages={
            "required": _("Enter how long the visit time lasts"),
            "invalid": _("Enter the length as a number of minutes, for example 60"),
            "min_value": _("A visit time lasts at least 15 minutes"),
            "max_value": _("A visit time lasts at most 8 hours (480 minutes)"),
        },
    )
    capacity = forms.IntegerField(
        label=_("Visits at this time"),
        help_text=_("How many victims officers can visit in this time"),
        initial=1,
        min_value=1,
        max_value=50,
        error_messages={
            "required": _("Enter how many visits can be booked"),
            "invalid": _("Enter a whole number, for example 2"),
            "min_value": _("At least one visit"),
            "max_value": _("At most 50 visits"),
        },
    )

    def __init__(self, *args, areas, **kwargs):
        super().__init__(*args, **kwargs)
        self.areas = list(areas)
        self.fields["area"].choices = [("", _("Choose an area"))] + [
            (a.code, a.name) for a in self.areas
        ]

    def clean(self):
        data = super().clean()
        first, last = data.get("first_day"), data.get("last_day")
        if data.get("repeat") and first and not last:
            self.add_error("last_day", _("Enter the last day of the repeating pattern"))
        if first and first <= timezone.localdate(timezone=LONDON):
            self.add_error("first_day", _("The date must be in the future"))
        return data

    def chosen_area(self):
        wanted = self.cleaned_data.get("area")
        return next((a for a in self.areas if a.code == wanted), None)


class WorklistFilterForm(forms.Form):
    """The worklist's filters (GET: none of them is personal data). With no officer or
    team chosen the worklist is the user's own."""

    status = forms.ChoiceField(label=_("Case status"), required=False)
    team = forms.ChoiceField(label=_("Team"), required=False)
    officer = forms.ChoiceField(label=_("Officer"), required=False)
    crime_group = forms.ChoiceField(label=_("Crime group"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    enhanced = forms.BooleanField(label=_("Enhanced entitlement only"), required=False)

    def __init__(self, *args, teams, officers, statuses, crime_groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("Any status")), *statuses]
        self.fields["team"].choices = [("", _("Any team"))] + [(str(t.pk), t.name) for t in teams]
        # officers: (id, label) pairs
        self.fields["officer"].choices = [("", _("You"))] + [
            (str(pk), label) for pk, label in officers
        ]
        self.fields["crime_group"].choices = [("", _("Any crime group")), *crime_groups]
