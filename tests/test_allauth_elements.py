"""allauth's pages draw their NHS.UK components with the nhsuk-frontend-jinja macros.

allauth renders each `{% element %}` with render_to_string without naming an engine,
so the Jinja engine (first in TEMPLATES) draws templates/jinja2/allauth/elements/.
These tests pin that: if allauth started naming the Django engine, or an element
were left to allauth's own markup, they fail.
"""

from pathlib import Path

import allauth
import pytest
from django import forms
from django.template import Context, Template, engines
from django.template.base import Origin
from django.template.loader import get_template

ALLAUTH_ELEMENTS = Path(allauth.__file__).parent / "templates" / "allauth" / "elements"


def django_render(source: str, **context) -> str:
    """A Django template using allauth's element tag, as allauth's pages do."""
    template = Template(
        "{% load allauth %}" + source,
        origin=Origin("test", template_name="test.html"),
        engine=engines["django"].engine,
    )
    return template.render(Context(context))


def squash(html: str) -> str:
    """Markup with its runs of whitespace made one space: the macros indent by options."""
    return " ".join(str(html).split())


def macro(component: str, name: str, params: dict) -> str:
    """What the nhsuk-frontend-jinja macro draws for these params, as our Jinja pages call it."""
    env = engines["jinja2"].env
    return getattr(env.get_template(f"{component}/macro.jinja").module, name)(params)


@pytest.mark.parametrize("element", sorted(p.stem for p in ALLAUTH_ELEMENTS.glob("*.html")))
def test_every_allauth_element_is_one_of_our_jinja_templates(element):
    template = get_template(f"allauth/elements/{element}.html")

    assert template.backend is engines["jinja2"]
    assert "templates/jinja2/allauth/elements/" in template.origin.name


def test_a_button_element_is_the_nhs_button_macro():
    html = django_render(
        '{% element button type="submit" name="action_remove" tags="danger,delete" %}'
        "Remove{% endelement %}"
    )

    assert squash(html) == squash(
        macro(
            "button",
            "button",
            {"html": "Remove", "variant": "warning", "type": "submit", "name": "action_remove"},
        )
    )


def test_a_field_element_is_the_nhs_input_macro_with_its_label_hint_and_errors():
    html = django_render(
        '{% element field type="email" name="email" id="id_email" value=value errors=errors'
        ' autocomplete="email" required=True %}'
        "{% slot label %}Email address{% endslot %}"
        "{% slot help_text %}We will check it is yours.{% endslot %}"
        "{% endelement %}",
        value="a@example.nhs.uk",
        errors=["Enter an email address", "It is too long"],
    )

    assert squash(html) == squash(
        macro(
            "input",
            "input",
            {
                "id": "id_email",
                "name": "email",
                "type": "email",
                "value": "a@example.nhs.uk",
                "label": {"text": "Email address"},
                "hint": {"text": "We will check it is yours."},
                "errorMessage": {"html": "Enter an email address<br>It is too long"},
                "autocomplete": "email",
                "autocapitalize": "none",
                "spellcheck": False,
                "attributes": {"required": {"value": True, "optional": True}},
            },
        )
    )


class LabelForm(forms.Form):
    nickname = forms.CharField(label="Your <b>Nick</b> Name", help_text="Not <i>this</i>")


def test_the_fields_element_escapes_labels_and_hints_and_writes_them_in_sentence_case():
    form = LabelForm(data={})
    form.is_valid()

    html = django_render("{% element fields form=form %}{% endelement %}", form=form)

    assert 'class="nhsuk-input nhsuk-input--error"' in html
    assert "Your &lt;b&gt;nick&lt;/b&gt; name" in html
    assert "Not &lt;i&gt;this&lt;/i&gt;" in html
    assert "<b>" not in html
    assert "<i>" not in html


def test_the_form_element_puts_the_nhs_error_summary_first():
    form = LabelForm(data={})
    form.is_valid()

    html = django_render(
        "{% element form form=form %}{% slot body %}<p>body</p>{% endslot %}{% endelement %}",
        form=form,
    )

    summary = str(
        macro(
            "error-summary",
            "errorSummary",
            {
                "heading": "There is a problem",
                "errorList": [{"text": "This field is required.", "href": "#id_nickname"}],
            },
        )
    ).strip()
    assert summary in html
    assert html.index(summary) < html.index("<p>body</p>")
