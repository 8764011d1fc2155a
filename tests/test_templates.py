"""Templates that cannot lie: an undefined name fails, escaped markup never shows."""

import pytest
from django.template import engines
from jinja2 import UndefinedError


def jinja(source: str):
    return engines["jinja2"].from_string(source)


@pytest.mark.parametrize(
    "source",
    [
        "Request to {{ mentor }}",
        "{{ request_row.mentor_name }}",
        "{% if missing %}yes{% endif %}",
        "{% for x in missing %}{{ x }}{% endfor %}",
        "{{ item.href }}",
    ],
)
def test_our_templates_fail_on_anything_undefined(source):
    with pytest.raises(UndefinedError):
        jinja(source).render({"request_row": object(), "item": {}})


def test_the_nhs_macros_keep_their_optional_parameters():
    """nhsuk-frontend-jinja tests for options that were not given: those stay blank."""
    html = jinja(
        '{% from "button/macro.jinja" import button %}{{ button({"text": "Save"}) }}'
    ).render({})
    assert "Save" in html


def test_an_undefined_value_given_to_a_macro_still_fails():
    with pytest.raises(UndefinedError):
        jinja(
            '{% from "button/macro.jinja" import button %}{{ button({"text": thing.name}) }}'
        ).render({"thing": object()})


def test_our_django_templates_fail_on_an_invalid_variable(tmp_path):
    from tests.template_checks import InvalidTemplateVariable

    with pytest.raises(InvalidTemplateVariable, match="request"):
        engines["django"].get_template("emails/request_expired_team.txt").render({"request": None})
