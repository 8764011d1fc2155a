"""Django templates of ours fail on an invalid variable in tests.

Django renders a variable it cannot resolve as TEMPLATES' `string_if_invalid` ("" by
default). Under tests that is InvalidVariable: rendering a template from our own
templates/ folder (allauth's pages, admin overrides, emails) raises, naming the
variable and the file. Django admin's and allauth's own templates rely on invalid
variables being blank, so for them it stays "" (Django's documentation warns
against a marker in their output).
"""

import sys
from pathlib import Path

from django.conf import settings
from django.template.base import Node

OUR_TEMPLATES = str(Path(settings.BASE_DIR) / "templates")


class InvalidTemplateVariable(AssertionError):
    pass


def _origin_of_caller() -> str | None:
    """The file of the template node being rendered: the nearest Node on the stack."""
    frame = sys._getframe(2)
    while frame is not None:
        node = frame.f_locals.get("self")
        if isinstance(node, Node) and getattr(node, "origin", None) is not None:
            return str(node.origin.name)
        frame = frame.f_back
    return None


class InvalidVariable(str):
    """A `string_if_invalid` that raises in our templates and is blank elsewhere."""

    def __new__(cls):
        return super().__new__(cls, "%s")

    def __mod__(self, variable) -> str:
        origin = _origin_of_caller()
        if origin is not None and origin.startswith(OUR_TEMPLATES):
            raise InvalidTemplateVariable(f"Invalid template variable {variable!s} in {origin}")
        return ""


def strict_templates(templates: list[dict]) -> list[dict]:
    """TEMPLATES with the Django engines' string_if_invalid set to InvalidVariable."""
    strict = []
    for engine in templates:
        if engine["BACKEND"] == "django.template.backends.django.DjangoTemplates":
            options = {**engine.get("OPTIONS", {}), "string_if_invalid": InvalidVariable()}
            engine = {**engine, "OPTIONS": options}
        strict.append(engine)
    return strict


# --- Every email is rendered somewhere in the suite ------------------------------------

EMAILS = Path(settings.BASE_DIR) / "templates" / "emails"
RENDERED_EMAILS: set[str] = set()


def email_kinds() -> set[str]:
    """Every email there is: a template emails/<kind>.txt (its subject and body)."""
    return {path.stem for path in EMAILS.glob("*.txt")}


def record_email_renders(monkeypatch) -> None:
    """Note each kind of email the outbox renders (when queued or when sent)."""
    from mentoring.outbox import services

    render = services.render

    def recording(template: str, context: dict):
        RENDERED_EMAILS.add(template)
        return render(template, context)

    monkeypatch.setattr(services, "render", recording)


def emails_never_rendered() -> set[str]:
    return email_kinds() - RENDERED_EMAILS
