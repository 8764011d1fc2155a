"""The search filters: read from the query string once, by one form."""

from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.http import QueryDict

from register.fields import FlagsFormField
from register.models import Gender, MeetingWay, MentorFilters, TimeOfDay, Weekday
from requests_app.search import ReferenceData
from scheme.models import Nation
from scheme.profiles import SUPPORTT, Profile

GENDER_CHOICES = [(value, label) for value, label in Gender.choices if value != Gender.NOT_SAID]


def _reference_field(label: str, any_label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label, required=False, coerce=int, empty_value=None, choices=[("", any_label)]
    )


class MentorSearchForm(forms.Form):
    """The filters, all optional, read from the query string (GET)."""

    q = forms.CharField(
        label="Words to look for",
        help_text="For example: parental leave, research, running",
        required=False,
        max_length=200,
    )
    school = _reference_field("School", "Any school")
    grade = _reference_field("Grade", "Any grade")
    trust = _reference_field("Trust", "Any trust")
    not_my_trust = forms.BooleanField(label="Only mentors outside my own trust", required=False)
    nation = forms.ChoiceField(
        label="UK nation", required=False, choices=[("", "Any nation"), *Nation.choices]
    )
    gender = forms.ChoiceField(
        label="Gender", required=False, choices=[("", "Any gender"), *GENDER_CHOICES]
    )
    meeting = forms.ChoiceField(
        label="How you would like to meet",
        required=False,
        choices=[("", "Either way"), *MeetingWay.choices],
        widget=forms.RadioSelect,
    )
    location = forms.CharField(
        label="Where, to meet in person",
        help_text="A town or hospital",
        required=False,
        max_length=100,
    )
    platform = _reference_field("Video or phone platform", "Any platform")
    days = FlagsFormField(label="Days", flag_choices=Weekday.choices, required=False)
    times = FlagsFormField(label="Times of day", flag_choices=TimeOfDay.choices, required=False)

    def __init__(
        self,
        data: QueryDict,
        *,
        choices: ReferenceData,
        own_trust: int | None,
        profile: Profile = SUPPORTT,
    ):
        """own_trust: the searching mentee's trust, for "not from my own trust" (None: no such
        filter). Filters on bio fields the scheme's `profile` does not ask are left out."""
        super().__init__(data)
        self.query = data
        for name in ("school", "grade", "trust", "nation"):
            if not profile.uses(name):
                del self.fields[name]
        if not profile.uses("trust"):
            own_trust = None
        self.own_trust = own_trust
        for name in ("school", "grade", "trust", "platform"):
            if name in self.fields:
                field = _choice_field(self, name)
                field.choices = [*_choices(field), *choices.choices(getattr(choices, f"{name}s"))]
        if own_trust is None:
            del self.fields["not_my_trust"]

    def filters(self) -> MentorFilters:
        """The filters that are valid; a value that is not (a stale link) is left out."""
        self.is_valid()
        data = self.cleaned_data
        return MentorFilters(
            q=data.get("q") or "",
            school=data.get("school"),
            grade=data.get("grade"),
            trust=data.get("trust"),
            outside_trust=self.own_trust if data.get("not_my_trust") else None,
            gender=data.get("gender") or "",
            nation=data.get("nation") or "",
            meeting=data.get("meeting") or "",
            location=(data.get("location") or "").strip(),
            platform=data.get("platform"),
            days=data.get("days") or 0,
            times=data.get("times") or 0,
        )


# --- Links that remove one filter ----------------------------------------------------------


@dataclass(frozen=True)
class ActiveFilter:
    label: str
    query: str  # the query string without this filter


def _choice_field(form: forms.Form, name: str) -> forms.ChoiceField:
    return cast(forms.ChoiceField, form.fields[name])


def _choices(field: forms.ChoiceField) -> list[tuple[Any, Any]]:
    """A ChoiceField's choices, which setting them normalised to (value, label) pairs."""
    return cast(list[tuple[Any, Any]], field.choices)


def _without(params: QueryDict, key: str, value: str | None = None) -> str:
    """The query string's filters, without the page number and without this one."""
    return urlencode(
        [
            (k, v)
            for k, values in params.lists()
            for v in values
            if k != "page" and v != "" and not (k == key and (value is None or v == value))
        ]
    )


def active_filters(form: MentorSearchForm, filters: MentorFilters) -> tuple[ActiveFilter, ...]:
    """Each filter in use, with a link that removes just that one."""
    params = form.query

    def choice_label(name: str, value) -> str:
        return str(dict(_choices(_choice_field(form, name))).get(value, value))

    found: list[ActiveFilter] = []
    if filters.q:
        found.append(ActiveFilter(f"words “{filters.q}”", _without(params, "q")))
    for name in ("school", "grade", "trust", "nation", "gender", "platform"):
        value = getattr(filters, name)
        if value:
            field_label = str(form.fields[name].label)
            if not field_label[:2].isupper():  # "UK nation" keeps its capitals
                field_label = field_label.lower()
            label = f"{field_label}: {choice_label(name, value)}"
            found.append(ActiveFilter(label, _without(params, name)))
    if filters.outside_trust:
        found.append(ActiveFilter("outside my own trust", _without(params, "not_my_trust")))
    if filters.meeting:
        label = choice_label("meeting", filters.meeting).lower()
        found.append(ActiveFilter(label, _without(params, "meeting")))
    if filters.location:
        found.append(ActiveFilter(f"near “{filters.location}”", _without(params, "location")))
    for name, choices in (("days", Weekday.choices), ("times", TimeOfDay.choices)):
        mask = getattr(filters, name)
        for bit, label in choices:
            if mask & bit:
                label = label if name == "days" else label.lower()  # "Monday", "evenings"
                found.append(ActiveFilter(label, _without(params, name, str(bit))))
    return tuple(found)
