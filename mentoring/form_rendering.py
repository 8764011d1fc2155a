"""Turn a Django bound field into the parameters of an NHS.UK component macro.

templates/jinja2/macros/forms.jinja calls `nhs_field_params(field)` and hands
the result to the matching nhsuk-frontend-jinja macro, so every form gets the
same labels, hints, inline errors and error summary links.
"""

import json
from collections.abc import Callable, Iterable
from typing import Any, cast

from django import forms
from django.forms.boundfield import BoundField
from markupsafe import Markup

from mentoring.drawings import drawings


def _error(field: BoundField) -> dict | None:
    if not field.errors:
        return None
    return {"text": " ".join(str(e) for e in field.errors)}


def _hint(field: BoundField) -> dict | None:
    return {"text": str(field.help_text)} if field.help_text else None


def _label_text(field: BoundField) -> str:
    label = str(field.label or "")
    if not field.field.required and not isinstance(field.field.widget, forms.CheckboxInput):
        label += " (optional)"
    return label


def component_for(field: BoundField) -> str:
    widget = field.field.widget
    if isinstance(widget, forms.HiddenInput):
        return "hidden"
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Select):
        return "select"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    if isinstance(widget, forms.FileInput):
        return "file"
    return "input"


def _value(field: BoundField) -> str:
    value = field.value()
    if value is None or isinstance(field.field.widget, forms.PasswordInput):
        return ""
    return str(field.field.widget.format_value(value) or "")


def _selected(field: BoundField) -> set[str]:
    value = field.value()
    if value is None:
        return set()
    if isinstance(value, list | tuple | set):
        return {str(v) for v in value}
    if hasattr(field.field, "prepare_value"):
        prepared = field.field.prepare_value(value)
        if isinstance(prepared, list | tuple | set):
            return {str(v) for v in prepared}
    return {str(value)}


def _choices(field: BoundField) -> Iterable[tuple[Any, Any]]:
    if not isinstance(field.field, forms.ChoiceField):
        raise TypeError(f"{field.name} is shown with choices but is not a choice field.")
    # Setting a ChoiceField's choices normalises them to (value, label) pairs.
    return cast(Iterable[tuple[Any, Any]], field.field.choices)


def nhs_field_params(field: BoundField, **overrides: Any) -> dict:
    kind = component_for(field)
    attrs = {
        k: v
        for k, v in field.field.widget.attrs.items()
        if k not in {"class", "id"} and v not in (None, False)
    }
    params: dict = {
        "id": field.auto_id,
        "name": field.html_name,
        "errorMessage": _error(field),
        "hint": _hint(field),
        "attributes": attrs,
    }
    if kind in {"checkboxes", "radios", "checkbox"}:
        # The first option takes the field's id (the summary links to it), so the
        # group itself must not carry it too.
        del params["id"]
    if kind in {"checkboxes", "radios"}:
        selected = _selected(field)
        params["idPrefix"] = field.auto_id
        params["fieldset"] = {"legend": {"text": _label_text(field), "size": "s"}}
        params["items"] = [
            {
                "value": str(value),
                "text": str(label),
                "checked": str(value) in selected,
            }
            for value, label in _choices(field)
            if str(value) != ""
        ]
    elif kind == "checkbox":
        params["idPrefix"] = field.auto_id
        params["items"] = [
            {
                "value": "on",
                "text": str(field.label),
                "checked": bool(field.value()),
                "id": field.auto_id,
                "hint": _hint(field),
            }
        ]
        params["hint"] = None
    elif kind == "select":
        selected = _selected(field)
        params["label"] = {"text": _label_text(field)}
        params["items"] = [
            {"value": str(value), "text": str(label), "selected": str(value) in selected}
            for value, label in _choices(field)
        ]
    else:
        params["label"] = {"text": _label_text(field)}
        if kind in {"input", "textarea"}:
            params["value"] = _value(field)
        if kind == "input":
            params["type"] = getattr(field.field.widget, "input_type", "text")
            if params["type"] == "number":
                params["inputmode"] = "numeric"
                params["classes"] = "nhsuk-input--width-4"
        if kind == "textarea":
            params["rows"] = field.field.widget.attrs.get("rows", 5)
    params.update(overrides)
    return params


def error_summary_items(form: forms.BaseForm) -> list[dict]:
    """Links from the summary to each field in error; form-wide errors as plain text.

    For checkboxes and radios the link goes to the first option, whose id is
    the field's id (the NHS.UK macros number the others from it).
    """
    items = [{"text": str(error)} for error in form.non_field_errors()]
    items += [
        {"text": " ".join(str(e) for e in field.errors), "href": f"#{field.auto_id}"}
        for field in form
        if field.errors
    ]
    return items


# --- Rendered choice fields -------------------------------------------------------------

# A select, checkboxes or radios with many options costs more to draw through the NHS.UK
# macros than anything else on a form (the search's filter panel: a third of the page's
# time), and the same field with the same choices, values and errors draws the same markup.
CHOICE_KINDS = frozenset({"select", "checkboxes", "radios"})


def remembered(kind: str, params: dict, caller: Callable[[], Markup]) -> Markup:
    """What `caller` (a macro's body, already escaped) draws for a field of `kind` with
    these macro parameters: choice fields are drawn once per set of parameters
    (mentoring.drawings).

    Used as {% call remembered(kind, p) %}...{% endcall %} in macros/forms.jinja."""
    if kind not in CHOICE_KINDS:
        return caller()
    return drawings.get_or_draw((kind, json.dumps(params, sort_keys=True, default=str)), caller)
