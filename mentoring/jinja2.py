"""Jinja2 for our pages, with NHS.UK components from nhsuk-frontend-jinja."""

from django.conf import settings
from django.contrib.messages import get_messages
from django.templatetags.static import static
from django.urls import reverse
from jinja2 import ChainableUndefined, ChoiceLoader, Environment, PackageLoader

from mentoring.form_rendering import component_for, error_summary_items, nhs_field_params
from mentoring.formatting import long_date, scheme_markdown


def url(name: str, *args, **kwargs) -> str:
    return reverse(name, args=args or None, kwargs=kwargs or None)


def environment(**options) -> Environment:
    options["undefined"] = ChainableUndefined
    options["autoescape"] = True
    env = Environment(**options, extensions=["jinja2.ext.do"])  # noqa: S701 - autoescape is on
    env.loader = ChoiceLoader(
        [
            env.loader,
            PackageLoader("nhsuk_frontend_jinja", package_path="templates/nhsuk/components"),
            PackageLoader("nhsuk_frontend_jinja", package_path="templates/nhsuk/macros"),
            PackageLoader("nhsuk_frontend_jinja"),
        ]
    )
    env.globals.update(
        {
            "static": static,
            "url": url,
            "get_messages": get_messages,
            "SERVICE_NAME": settings.SERVICE_NAME,
            "nhs_field_params": nhs_field_params,
            "field_component": component_for,
            "error_summary_items": error_summary_items,
        }
    )
    env.filters["scheme_markdown"] = scheme_markdown
    env.filters["long_date"] = long_date
    return env
