"""allauth's pages draw their NHS.UK components with the nhsuk-frontend-jinja macros.

allauth renders each `{% element %}` with render_to_string without naming an engine,
so the Jinja engine (first in TEMPLATES) draws templates/jinja2/allauth/elements/.
These tests pin that: if allauth started naming the Django engine, or an element
were left to allauth's own markup, they fail.
"""

from django.template import Context, Template, engines
from django.template.base import Origin


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
