"""Our forms render as NHS.UK components, with the error summary and inline errors."""

import pytest
from django import forms
from django.template.loader import render_to_string
from django.test import RequestFactory

from mentoring import form_rendering
from mentoring.drawings import Drawings
from register.fields import FlagsFormField
from register.models import TimeOfDay


class SampleForm(forms.Form):
    name = forms.CharField(label="Your name", help_text="As on your badge")
    about = forms.CharField(label="About you", widget=forms.Textarea, required=False)
    school = forms.ChoiceField(label="School", choices=[("", "Choose"), ("1", "Surgery")])
    mode = forms.ChoiceField(
        label="How to meet",
        choices=[("video", "Video"), ("phone", "Phone")],
        widget=forms.RadioSelect,
    )
    times = FlagsFormField(label="Times", flag_choices=TimeOfDay.choices)
    agree = forms.BooleanField(label="I agree")


def render(form) -> str:
    request = RequestFactory().get("/")
    return render_to_string("tests/sample_form.jinja", {"form": form}, request=request)


@pytest.fixture(autouse=True)
def sample_template(settings, tmp_path):
    folder = tmp_path / "tpl" / "tests"
    folder.mkdir(parents=True)
    (folder / "sample_form.jinja").write_text(
        '{% from "macros/forms.jinja" import form_errors, fields, submit %}'
        "{{ form_errors(form) }}{{ fields(form) }}{{ submit('Save') }}"
    )
    templates = [dict(t) for t in settings.TEMPLATES]
    templates[0]["DIRS"] = [*templates[0]["DIRS"], tmp_path / "tpl"]
    settings.TEMPLATES = templates


def test_a_valid_form_has_labels_hints_and_no_errors():
    html = render(SampleForm())

    assert 'for="id_name"' in html
    assert "As on your badge" in html
    assert "About you (optional)" in html
    assert "nhsuk-error-summary" not in html
    assert 'class="nhsuk-radios' in html
    assert 'class="nhsuk-checkboxes' in html


def test_errors_show_in_a_summary_that_links_to_each_field_and_inline():
    form = SampleForm(data={"times": ["1", "4"]})
    assert not form.is_valid()

    html = render(form)

    assert "There is a problem" in html
    assert 'href="#id_name"' in html
    assert 'href="#id_mode"' in html
    assert "nhsuk-error-message" in html
    assert html.count('id="id_mode"') == 1  # only the first radio: the summary's target
    assert html.count("checked") == 2  # the two ticked times are kept


def test_flags_field_combines_ticked_boxes_into_one_number():
    form = SampleForm(
        data={"name": "A", "school": "1", "mode": "video", "times": ["1", "4"], "agree": "on"}
    )

    assert form.is_valid(), form.errors
    assert form.cleaned_data["times"] == 5


# --- Remembered drawings of choice fields --------------------------------------------------


def test_a_choice_field_is_drawn_once_per_set_of_parameters(monkeypatch):
    """The same field, choices, values and errors draw the same markup, drawn once;
    anything else that differs is drawn anew, and only so many are kept."""
    kept = Drawings(2)
    monkeypatch.setattr(form_rendering, "drawings", kept)
    drawn = []

    def draw(params):
        drawn.append(params["name"])
        return f"<select name={params['name']}>"

    def show(params):
        return form_rendering.remembered("select", params, lambda: draw(params))

    a, b, c = ({"name": name, "items": [{"value": "1"}]} for name in "abc")
    assert show(a) == show(dict(a)) == "<select name=a>"
    assert drawn == ["a"]
    show({**a, "errorMessage": {"text": "Choose one"}})
    assert drawn == ["a", "a"]
    show(b), show(c), show(a)  # a was the least recently used of three: drawn again
    assert drawn == ["a", "a", "b", "c", "a"]
    assert len(kept) == 2
    # Text inputs are drawn every time: their values are what people type.
    form_rendering.remembered("input", a, lambda: draw(a))
    form_rendering.remembered("input", a, lambda: draw(a))
    assert drawn[-2:] == ["a", "a"]


def test_remembered_fields_show_each_forms_own_values_and_errors():
    bound = SampleForm({"school": "1", "mode": "phone"})
    bound.is_valid()
    first = render(bound)
    other = SampleForm({"school": "", "mode": "video"})
    other.is_valid()
    second = render(other)

    assert 'value="1" selected' in first
    assert 'value="1" selected' not in second
    assert 'value="phone" checked' in first
    assert 'value="video" checked' in second
    assert "Select a valid choice" not in first
    assert render(bound) == first
