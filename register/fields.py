"""A set of flags (days of the week, times of day) stored as one small integer.

A bit mask filters the same way on PostgreSQL and SQLite (`flags & mask`),
where a list column would not, and forms show it as a group of checkboxes.
"""

from typing import Any

from django import forms
from django.db import models


def flags_to_list(value: int, choices) -> list[int]:
    return [bit for bit, _ in choices if value & bit]


def flags_labels(value: int, choices) -> list[str]:
    return [label for bit, label in choices if value & bit]


class FlagsFormField(forms.TypedMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, *, flag_choices, **kwargs):
        kwargs.pop("coerce", None)
        kwargs.pop("empty_value", None)
        kwargs.pop("max_value", None)
        kwargs.pop("min_value", None)
        kwargs.pop("step_size", None)
        super().__init__(choices=flag_choices, coerce=int, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, int):
            return flags_to_list(value, self.choices)
        return value

    def clean(self, value):
        bits = super().clean(value)
        total = 0
        for bit in bits:
            total |= bit
        return total

    def has_changed(self, initial, data):
        initial_list = self.prepare_value(initial) if initial is not None else []
        return super().has_changed(initial_list, data)


class FlagsField(models.PositiveSmallIntegerField):
    def __init__(self, *args, choices=None, **kwargs):
        self.flag_choices = list(choices or [])
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["choices"] = self.flag_choices
        return name, path, args, kwargs

    def formfield(self, **kwargs):
        defaults: dict[str, Any] = {
            "form_class": FlagsFormField,
            "flag_choices": self.flag_choices,
            "required": not self.blank,
        }
        defaults.update(kwargs)
        form_class = defaults.pop("form_class")
        for key in ("choices_form_class", "coerce", "empty_value"):
            defaults.pop(key, None)
        return form_class(**defaults)
