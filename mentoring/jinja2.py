"""Jinja2 for our pages, with NHS.UK components from nhsuk-frontend-jinja."""

import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import nhsuk_frontend_jinja
from django.conf import settings
from django.contrib.messages import get_messages
from django.templatetags.static import static
from django.urls import reverse
from jinja2 import BaseLoader, ChainableUndefined, ChoiceLoader, Environment, PackageLoader

from mentoring.drawings import drawn
from mentoring.form_rendering import (
    component_for,
    error_summary_items,
    nhs_field_params,
    remembered,
)
from mentoring.formatting import long_date, paragraphs, scheme_markdown

logger = logging.getLogger(__name__)
_FRONTEND_TEMPLATES = str(Path(nhsuk_frontend_jinja.__file__).resolve().parent)


def _made_in_frontend_template() -> bool:
    """Whether the nearest template on the stack is one of nhsuk-frontend-jinja's."""
    frame: FrameType | None = sys._getframe(2)
    while frame is not None:
        filename = frame.f_code.co_filename
        if filename.endswith(".jinja") or filename == "<template>":
            return filename.startswith(_FRONTEND_TEMPLATES)
        frame = frame.f_back
    return False


class StrictUndefined(ChainableUndefined):
    """Our templates fail on anything undefined; the NHS.UK macros keep their blanks.

    A name a view never passed, or an attribute or key that does not exist, raises
    when a template of ours uses it (a page must not say "Request #5 to  ()") in
    tests and in development (STRICT_TEMPLATES). In production a page state no test
    reached renders the blank and logs an error naming it, rather than show a person
    an error page. nhsuk-frontend-jinja's templates test for options that were not given
    (`params.hint.text`, `htmlClasses`): an undefined made inside one of them stays
    a quiet, chainable blank. `caller` is undefined in a macro not called with
    `{% call %}`, on purpose.
    """

    __slots__ = ("_quiet",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._quiet = self._undefined_name == "caller" or _made_in_frontend_template()

    def _check(self) -> None:
        if self._quiet:
            return
        if settings.STRICT_TEMPLATES:
            self._fail_with_undefined_error()
        logger.error("Undefined in a template: %s", self._undefined_message)
        self._quiet = True  # logged once per value

    def __getattr__(self, name: str) -> "StrictUndefined":
        if name[:2] == "__" and name[-2:] == "__":
            raise AttributeError(name)
        self._check()
        return self

    # Undefined.__getitem__ is its failing method under another name, as in ChainableUndefined.
    def __getitem__(self, name: str) -> "StrictUndefined":  # type: ignore[override]
        self._check()
        return self

    def __str__(self) -> str:
        self._check()
        return ""

    def __html__(self) -> str:
        return str(self)

    def __bool__(self) -> bool:
        self._check()
        return False

    def __iter__(self) -> Iterator[Any]:
        self._check()
        return iter(())

    def __len__(self) -> int:
        self._check()
        return 0

    def __eq__(self, other: object) -> bool:
        self._check()
        return type(self) is type(other)

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return id(type(self))

    def __contains__(self, item: object) -> bool:
        self._check()
        return False


def url(name: str, *args: Any, **kwargs: Any) -> str:
    return reverse(name, args=args or None, kwargs=kwargs or None)


def environment(**options: Any) -> Environment:
    options["undefined"] = StrictUndefined
    options["autoescape"] = True
    env = Environment(**options, extensions=["jinja2.ext.do"])  # noqa: S701 - autoescape is on
    own: list[BaseLoader] = [env.loader] if env.loader else []
    env.loader = ChoiceLoader(
        [
            *own,
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
            "remembered": remembered,
            "drawn": drawn,
            "field_component": component_for,
            "error_summary_items": error_summary_items,
        }
    )
    env.filters["scheme_markdown"] = scheme_markdown
    env.filters["long_date"] = long_date
    env.filters["linebreaks"] = paragraphs
    return env
