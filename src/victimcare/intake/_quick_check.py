"""A report's answers checked by the question forms' own rules, without building the forms.

``forms.answers_validate`` builds the eight question forms for every report: it copies
their fields, binds them, and lists every crime type and every area of the force to offer
as choices. That cost a large share of what the records-system API can spend on one
report at the rate ``benchmarks/bench_api.py`` holds it to.

``answers_check_quick`` runs the same forms' cleaning code on each step -- every field's
``clean``, the form's ``clean_<field>`` methods, its ``clean()`` (date parts, the contact
route) and its ``answers()``, then the rules between steps (``answers_cross_check``) -- on a bare instance of the form class, without Django's
form plumbing (no field copies, no bound fields, no error rendering). The crime type and
the area are looked up by their codes in one query, instead of listing every choice: the
forms offer every crime type and every area of the force, so a code is a valid choice
exactly when the lookup finds it. (If the forms come to offer fewer choices, change
``_chosen`` with them.)

It only ever says "valid": when any answer breaks a rule, or anything is not as it
expects, it returns None, and the caller runs ``answers_validate``, whose messages are
the ones people see. tests/intake/test_api_quick_check.py holds the two to the same cleaned
answers.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connections
from django.forms.utils import ErrorDict

from victimcare.cases._prepared import prepared_cursor
from victimcare.forces.models import Area, CrimeType, Force
from victimcare.intake.forms import (
    QUESTION_STEPS,
    CrimeTypeForm,
    StepForm,
    WhereForm,
    answers_cross_check,
)

# The fields whose choices each form lists from the database in its __init__: answer
# key -> (form, the attribute __init__ keeps the rows in).
_CHOSEN = {"crime_type": (CrimeTypeForm, "crime_types"), "area": (WhereForm, "areas")}
_PLANS: dict[type[StepForm], tuple[dict, list] | None] = {}


def _plan(form_class: type[StepForm]) -> tuple[dict, list] | None:
    """A form's fields as its __init__ makes them (the declared ones, then each date
    group's boxes), and for each what checks it: the looked-up choice, or the field's
    ``clean`` then the form's ``clean_<field>`` if it has one. Made once, only read
    afterwards; None for a form that orders its fields itself (not foreseen here)."""
    if form_class not in _PLANS:
        if form_class.field_order_list is not StepForm.field_order_list:
            _PLANS[form_class] = None
            return None
        fields = dict(form_class.base_fields)
        for group in form_class.date_groups:
            fields.update(group.fields())
        steps = []
        for name, field in fields.items():
            chosen = name if name in _CHOSEN and _CHOSEN[name][0] is form_class else None
            clean = f"clean_{name}" if hasattr(form_class, f"clean_{name}") else None
            steps.append((name, field, chosen, clean))
        _PLANS[form_class] = (fields, steps)
    return _PLANS[form_class]


def _chosen(force: Force, answers: dict) -> dict | None:
    """The crime type and the area the answers name, in one query; None if either is
    missing (the forms then say what is wrong)."""
    crime_type, area = answers.get("crime_type"), answers.get("area")
    if not isinstance(crime_type, str) or not isinstance(area, str):
        return None
    db = connections[DEFAULT_DB_ALIAS]
    crime_columns, area_columns = _columns(db, CrimeType), _columns(db, Area)
    if not _CHOSEN_SQL:
        quote = db.ops.quote_name
        names = [f"ct.{quote(col.target.column)}" for col, _ in crime_columns]
        names += [f"a.{quote(col.target.column)}" for col, _ in area_columns]
        _CHOSEN_SQL.append(
            f"SELECT {', '.join(names)} FROM {CrimeType._meta.db_table} ct, "  # noqa: S608 (names are our own or quoted; values are bound parameters)
            f"{Area._meta.db_table} a WHERE ct.code = %s AND a.force_id = %s AND a.code = %s"
        )
    with prepared_cursor() as cursor:
        cursor.execute(_CHOSEN_SQL[0], [crime_type, force.pk, area])
        row = cursor.fetchone()
    if row is None:
        return None
    split = len(crime_columns)
    return {
        "crime_type": _row(db, CrimeType, crime_columns, row[:split]),
        "area": _row(db, Area, area_columns, row[split:]),
    }


_CHOSEN_SQL: list[str] = []
_COLUMNS: dict[type, list] = {}


def _columns(db, model) -> list:
    """Each concrete field of ``model`` as a column, with the converters the ORM applies to
    what the database returns for it (SQLite gives booleans as 0 and 1, for example)."""
    if model not in _COLUMNS:
        columns = []
        for field in model._meta.concrete_fields:
            col = field.get_col(model._meta.db_table)
            columns.append((col, db.ops.get_db_converters(col) + col.get_db_converters(db)))
        _COLUMNS[model] = columns
    return _COLUMNS[model]


def _row(db, model, columns, values):
    """A model instance from a plain row, as the ORM would read it."""
    converted = []
    for (col, converters), value in zip(columns, values, strict=True):
        for converter in converters:
            value = converter(value, col, db)
        converted.append(value)
    return model.from_db(db.alias, [col.target.attname for col, _ in columns], converted)


def _step_answers(form_class: type[StepForm], force: Force, answers: dict, chosen: dict):
    """One step's answers as its form would give them, or None if the form would refuse."""
    plan = _plan(form_class)
    if plan is None:
        return None
    fields, steps = plan
    form = form_class.__new__(form_class)  # no __init__: its work is done here
    form.force = force
    form.data = form_class.data_from(answers)
    form.fields = fields
    form.cleaned_data = {}
    form._errors = ErrorDict()

    def add_error(field, error):
        form._errors.setdefault(field or "__all__", []).append(error)

    form.add_error = add_error
    for key, (owner, attribute) in _CHOSEN.items():
        if form_class is owner:
            setattr(form, attribute, {chosen[key].code: chosen[key]})
    # As BaseForm._clean_fields and _clean_form do, stopping at the first error.
    for name, field, chosen_key, clean in steps:
        value = form.data.get(name)
        try:
            if chosen_key is not None:
                if value != chosen[chosen_key].code:
                    return None
            else:
                value = field.clean(value)
            form.cleaned_data[name] = value
            if clean is not None:
                form.cleaned_data[name] = getattr(form, clean)()
        except ValidationError:
            return None
    try:
        cleaned = form.clean()
    except ValidationError:
        return None
    if form._errors:
        return None
    if cleaned is not None:
        form.cleaned_data = cleaned
    return form.answers()


def answers_check_quick(*, force: Force, answers: dict, found: dict) -> dict | None:
    """The cleaned answers, as ``answers_validate`` gives them, when every answer is valid;
    None when any is not, or when this check cannot tell (run ``answers_validate`` then).
    ``found`` gets the Area and the CrimeType chosen, as with ``answers_validate``."""
    if any(not isinstance(value, str) for value in answers.values()):
        return None
    chosen = _chosen(force, answers)
    if chosen is None:
        return None
    cleaned: dict = {"force": force.code}
    for _slug, form_class in QUESTION_STEPS:
        try:
            step = _step_answers(form_class, force, answers, chosen)
        except Exception:  # noqa: BLE001 - anything unforeseen: the forms decide
            return None
        if step is None:
            return None
        cleaned.update(step)
    if answers_cross_check(cleaned):
        return None
    found.update(chosen)
    return cleaned
