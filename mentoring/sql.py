"""INSERT ... SELECT, which the ORM lacks: for jobs that must write one row per row
they change in a single statement (the expiry job's history and emails)."""

from django.db import connection, models
from django.db.models import QuerySet


def insert_from_select(model: type[models.Model], rows: QuerySet, **columns) -> int:
    """Insert into `model` one row per row of `rows`; `columns` maps each of the
    model's fields to an expression over `rows` (F(), Value(), Concat()...).

    Returns the number of rows inserted.
    """
    fields = [model._meta.get_field(name) for name in columns]
    aliases = {
        f"ins_{field.attname}": expression
        for field, expression in zip(fields, columns.values(), strict=True)
    }
    select_sql, params = rows.order_by().values(**aliases).query.sql_with_params()
    quote = connection.ops.quote_name
    target = ", ".join(quote(field.column) for field in fields)
    source = ", ".join(f"q.{quote(alias)}" for alias in aliases)
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({target}) "  # noqa: S608 - names from models
        f"SELECT {source} FROM ({select_sql}) q"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
