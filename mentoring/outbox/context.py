"""An email's template context kept as JSON, with rows as references.

Jobs that queue many emails in one statement cannot render each one in the
transaction: they store references ({"$model": "app.model", "pk": 1}), and the
sender loads the rows (in bulk, with the related rows named in "related") and
renders when it sends.
"""

import datetime
import json
from collections import defaultdict

from django.apps import apps
from django.db import models


class RowGone(Exception):
    """A row the email refers to no longer exists: the email is no longer owed."""


def reference(model: type[models.Model], *, related: tuple[str, ...] = ()) -> dict:
    """The reference to one row of `model`, without its pk (see dump_prefix)."""
    ref: dict[str, object] = {"$model": model._meta.label_lower}
    if related:
        ref["related"] = list(related)
    return ref


def prefix_and_suffix(*, name: str, ref: dict, extra: dict) -> tuple[str, str]:
    """The JSON of a context {name: ref with pk, **extra} split around the pk, so SQL
    can put each row's id between them."""
    marker = 987654321987654321
    text = json.dumps({name: {**ref, "pk": marker}, **extra})
    before, after = text.split(str(marker))
    return before, after


def load_many(texts: list[str]) -> list[dict]:
    """Contexts of several emails, loading the rows they refer to in one query per model."""
    decoded = [json.loads(text) if text else {} for text in texts]
    wanted: dict[tuple[str, tuple[str, ...]], set] = defaultdict(set)
    for context in decoded:
        for value in context.values():
            if isinstance(value, dict) and "$model" in value:
                wanted[value["$model"], tuple(value.get("related", ()))].add(value["pk"])
    rows = {}
    for (label, related), pks in wanted.items():
        model = apps.get_model(label)
        found = model._base_manager.select_related(*related).in_bulk(pks)
        for pk, row in found.items():
            rows[label, related, pk] = row
    return [_resolve(context, rows) for context in decoded]


def _resolve(context: dict, rows: dict) -> dict:
    resolved: dict[str, object] = {}
    for key, value in context.items():
        if isinstance(value, dict) and "$model" in value:
            row = rows.get((value["$model"], tuple(value.get("related", ())), value["pk"]))
            if row is None:
                resolved[key] = RowGone(f"{value['$model']} {value['pk']}")
                continue
            resolved[key] = row
        elif isinstance(value, dict) and "$datetime" in value:
            resolved[key] = datetime.datetime.fromisoformat(value["$datetime"])
        else:
            resolved[key] = value
    return resolved
