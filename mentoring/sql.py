"""INSERT ... SELECT, which the ORM lacks: for jobs that must write one row per row
they change in a single statement (the expiry job's history and emails)."""

from typing import Any

from django.db import connection, models
from django.db.models import Expression, F, Field, QuerySet


def insert_from_select(
    model: type[models.Model], rows: QuerySet[Any], **columns: Expression | F
) -> int:
    """Insert into `model` one row per row of `rows`; `columns` maps each of the
    model's fields to an expression over `rows` (F(), Value(), Concat()...).

    Returns the number of rows inserted.
    """
    fields = [_attname_and_column(model, name) for name in columns]
    aliases = {
        f"ins_{attname}": expression
        for (attname, _), expression in zip(fields, columns.values(), strict=True)
    }
    select_sql, params = rows.order_by().values(**aliases).query.sql_with_params()
    quote = connection.ops.quote_name
    target = ", ".join(quote(column) for _, column in fields)
    source = ", ".join(f"q.{quote(alias)}" for alias in aliases)
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({target}) "  # noqa: S608 - names from models
        f"SELECT {source} FROM ({select_sql}) q"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rowcount: int = cursor.rowcount
        return rowcount


def _attname_and_column(model: type[models.Model], name: str) -> tuple[str, str]:
    field = model._meta.get_field(name)
    if not isinstance(field, Field) or field.column is None:
        raise TypeError(f"{model.__name__}.{name} is not a column.")
    return field.attname, field.column
