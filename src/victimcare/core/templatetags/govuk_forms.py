"""Render Django forms as GOV.UK Frontend form groups, with error summaries.

``{% govuk_error_summary form other_form %}`` and ``{% govuk_fields form heading=True %}``.
Radios, selects, textareas, text inputs and three-box date inputs are supported; every
input has a label, hints and errors are tied to it with aria-describedby.
"""

from __future__ import annotations

import html

from django import forms, template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

register = template.Library()


def _error_id(bound) -> str:
    return f"{bound.auto_id}-error"


def _hint_id(bound) -> str:
    return f"{bound.auto_id}-hint"


def _error_html(error_id: str, messages) -> str:
    if not messages:
        return ""
    return format_html(
        '<p id="{}" class="govuk-error-message"><span class="govuk-visually-hidden">{}</span> {}</p>',
        error_id,
        _("Error:"),
        " ".join(str(m) for m in messages),
    )


def _hint_html(hint_id: str, text) -> str:
    return format_html('<div id="{}" class="govuk-hint">{}</div>', hint_id, text) if text else ""


def _group(content: str, has_error: bool) -> str:
    return format_html(
        '<div class="govuk-form-group{}">{}</div>',
        " govuk-form-group--error" if has_error else "",
        mark_safe(content),  # noqa: S308 (built from escaped parts)
    )


def _described_by(bound) -> str:
    ids = []
    if bound.help_text:
        ids.append(_hint_id(bound))
    if bound.errors:
        ids.append(_error_id(bound))
    return format_html(' aria-describedby="{}"', " ".join(ids)) if ids else ""


def _value(bound) -> str:
    value = bound.value()
    return "" if value is None else str(value)


def _legend(text, heading: bool) -> str:
    if heading:
        return format_html(
            '<legend class="govuk-fieldset__legend govuk-fieldset__legend--l">'
            '<h1 class="govuk-fieldset__heading">{}</h1></legend>',
            text,
        )
    return format_html(
        '<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">{}</legend>', text
    )


def _label(bound, heading: bool) -> str:
    label = format_html(
        '<label class="govuk-label{}" for="{}">{}</label>',
        " govuk-label--l" if heading else "",
        bound.id_for_label,
        bound.label,
    )
    if heading:
        return format_html('<h1 class="govuk-label-wrapper">{}</h1>', label)
    return label


def _radios(bound, heading: bool) -> str:
    """GOV.UK radios. Grouped choices ((words, [(value, label), ...]), ...) get their words
    as a small heading above their radios; a group with no words comes after "or"."""
    current = _value(bound)
    items: list[str] = []
    index = 0

    def item(value, label) -> str:
        nonlocal index
        item_id = bound.auto_id if index == 0 else f"{bound.auto_id}-{index}"
        index += 1
        return format_html(
            '<div class="govuk-radios__item"><input class="govuk-radios__input" id="{}" '
            'name="{}" type="radio" value="{}"{}><label class="govuk-label govuk-radios__label" '
            'for="{}">{}</label></div>',
            item_id,
            bound.html_name,
            value,
            mark_safe(" checked") if str(value) == current else "",
            item_id,
            label,
        )

    for value, label in bound.field.choices:
        if isinstance(label, list | tuple):
            if value:
                items.append(
                    format_html('<h2 class="govuk-heading-s vc-radios-group">{}</h2>', value)
                )
            elif items:
                items.append(format_html('<div class="govuk-radios__divider">{}</div>', _("or")))
            items.extend(item(v, text) for v, text in label if v != "")
        elif value != "":
            items.append(item(value, label))
    content = format_html(
        '<fieldset class="govuk-fieldset"{}>{}{}{}<div class="govuk-radios" data-module="govuk-radios">{}</div></fieldset>',
        _described_by(bound),
        _legend(bound.label, heading),
        _hint_html(_hint_id(bound), bound.help_text),
        _error_html(_error_id(bound), bound.errors),
        mark_safe("".join(items)),  # noqa: S308 (built from escaped parts)
    )
    return _group(content, bool(bound.errors))


def _select(bound, heading: bool) -> str:
    current = _value(bound)
    options = format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (v, mark_safe(" selected") if str(v) == current else "", label)
            for v, label in bound.field.choices
        ),
    )
    content = format_html(
        '{}{}{}<select class="govuk-select{}" id="{}" name="{}"{}>{}</select>',
        _label(bound, heading),
        _hint_html(_hint_id(bound), bound.help_text),
        _error_html(_error_id(bound), bound.errors),
        " govuk-select--error" if bound.errors else "",
        bound.auto_id,
        bound.html_name,
        _described_by(bound),
        options,
    )
    return _group(content, bool(bound.errors))


def _textarea(bound, heading: bool) -> str:
    content = format_html(
        '{}{}{}<textarea class="govuk-textarea{}" id="{}" name="{}" rows="{}"{}>{}</textarea>',
        _label(bound, heading),
        _hint_html(_hint_id(bound), bound.help_text),
        _error_html(_error_id(bound), bound.errors),
        " govuk-textarea--error" if bound.errors else "",
        bound.auto_id,
        bound.html_name,
        bound.field.widget.attrs.get("rows", 5),
        _described_by(bound),
        _value(bound),
    )
    return _group(content, bool(bound.errors))


AUTOCOMPLETE = {
    "given_name": "given-name",
    "family_name": "family-name",
    "email": "email",
    "phone": "tel",
    "postcode": "postal-code",
}


def _input(bound, heading: bool) -> str:
    name = bound.name
    kind = "email" if isinstance(bound.field, forms.EmailField) else "text"
    if name == "phone":
        kind = "tel"
    width = " govuk-input--width-10" if name in ("postcode", "occurred_time") else ""
    autocomplete = AUTOCOMPLETE.get(name.split("-")[-1])
    content = format_html(
        '{}{}{}<input class="govuk-input{}{}" id="{}" name="{}" type="{}" value="{}"{}{}{}>',
        _label(bound, heading),
        _hint_html(_hint_id(bound), bound.help_text),
        _error_html(_error_id(bound), bound.errors),
        width,
        " govuk-input--error" if bound.errors else "",
        bound.auto_id,
        bound.html_name,
        kind,
        _value(bound),
        _described_by(bound),
        format_html(' autocomplete="{}"', autocomplete) if autocomplete else "",
        mark_safe(' spellcheck="false"') if kind in ("email", "tel") else "",
    )
    return _group(content, bool(bound.errors))


def _date(form, group, heading: bool) -> str:
    parts = [form[f"{group.name}_{p}"] for p in ("day", "month", "year")]
    errors = [m for bound in parts for m in bound.errors]
    hint_id = f"{parts[0].auto_id}-hint"
    error_id = f"{parts[0].auto_id}-error"
    described = " ".join(i for i, on in ((hint_id, group.hint), (error_id, errors)) if on)
    items = []
    for bound, width in zip(parts, (2, 2, 4), strict=True):
        items.append(
            format_html(
                '<div class="govuk-date-input__item"><div class="govuk-form-group">'
                '<label class="govuk-label govuk-date-input__label" for="{}">{}</label>'
                '<input class="govuk-input govuk-date-input__input govuk-input--width-{}{}" id="{}" '
                'name="{}" type="text" inputmode="numeric" value="{}"></div></div>',
                bound.auto_id,
                bound.label,
                width,
                " govuk-input--error" if errors else "",
                bound.auto_id,
                bound.html_name,
                _value(bound),
            )
        )
    content = format_html(
        '<fieldset class="govuk-fieldset" role="group"{}>{}{}{}<div class="govuk-date-input" id="{}">{}</div></fieldset>',
        format_html(' aria-describedby="{}"', described) if described else "",
        _legend(group.label, heading),
        _hint_html(hint_id, group.hint),
        _error_html(error_id, errors),
        f"{parts[0].auto_id}-group",
        mark_safe("".join(items)),  # noqa: S308 (built from escaped parts)
    )
    return _group(content, bool(errors))


def field_html(bound, heading: bool = False) -> str:
    widget = bound.field.widget
    if isinstance(widget, forms.RadioSelect):
        return _radios(bound, heading)
    if isinstance(widget, forms.Select):
        return _select(bound, heading)
    if isinstance(widget, forms.Textarea):
        return _textarea(bound, heading)
    return _input(bound, heading)


@register.simple_tag
def govuk_fields(form, heading=False):
    """Every field of the form in order; date groups as one date input."""
    groups = {f"{g.name}_day": g for g in getattr(form, "date_groups", ())}
    skip = {f"{g.name}_{p}" for g in groups.values() for p in ("month", "year")}
    heading_field = getattr(form, "heading_field", None) if heading else None
    html = []
    for name in form.fields:
        if name in skip:
            continue
        if name in groups:
            html.append(_date(form, groups[name], False))
        else:
            html.append(field_html(form[name], heading=name == heading_field))
    return mark_safe("".join(html))  # noqa: S308 (built from escaped parts)


@register.simple_tag
def govuk_error_summary(*forms_):
    links = []
    flat = []
    for item in forms_:
        flat.extend(item if isinstance(item, list | tuple) else [item])
    for form in flat:
        if form is None or not form.is_bound or not form.errors:
            continue
        for name, messages in form.errors.items():
            if name == "__all__":
                target = next(iter(form.fields), "")
                anchor = form[target].auto_id if target else ""
            else:
                anchor = form[name].auto_id
            for message in messages:
                links.append((anchor, message))
    if not links:
        return ""
    items = format_html_join("", '<li><a href="#{}">{}</a></li>', links)
    return format_html(
        '<div class="govuk-error-summary" data-module="govuk-error-summary"><div role="alert">'
        '<h2 class="govuk-error-summary__title">{}</h2><div class="govuk-error-summary__body">'
        '<ul class="govuk-list govuk-error-summary__list">{}</ul></div></div></div>',
        _("There is a problem"),
        items,
    )


@register.filter
def has_errors(forms_) -> bool:
    forms_ = forms_ if isinstance(forms_, list | tuple) else [forms_]
    return any(f is not None and f.is_bound and f.errors for f in forms_)


@register.filter
def select_options(bound) -> str:
    """A select field's ``<option>`` elements, the chosen one selected: written here in
    one pass rather than by a template loop (a force's list of officers is hundreds
    long)."""
    chosen = str(bound.value())  # (None matches no option, as the template had it)
    # Escaped with the standard library's escape (as format_html would, without its cost
    # per option: a force's officers are hundreds of options on every compliance page).
    return mark_safe(  # noqa: S308 (every value and label is escaped just above)
        "".join(
            f'<option value="{html.escape(str(value))}"'
            f"{' selected' if str(value) == chosen else ''}>{html.escape(str(label))}</option>"
            for value, label in bound.field.choices
        )
    )
