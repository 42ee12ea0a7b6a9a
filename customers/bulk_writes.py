"""Reading and writing many rows at once: rows written as plain tuples of field values, and
rows read by thousands of values.

Django's bulk_create and bulk_update build a model instance per row and quote every value into
SQL; for a batch's tens of thousands of records and keys that costs more than resolving them.
On PostgreSQL rows go through COPY instead (an update through COPY into a temporary table and
one `UPDATE ... FROM`); other databases, such as the embedded SQLite, use Django's bulk methods.
"""

import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.models import F, Field, JSONField, Lookup, Model, Q
from django.db.models.fields import AutoFieldMixin
from django.utils import timezone

ROWS_PER_STATEMENT = 1000


class _EqualsAny(Lookup):
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", [*lhs_params, self.rhs]


def one_of(field_name: str, values: Iterable) -> Q | Lookup:
    """A filter for rows whose `field_name` is one of `values`. On PostgreSQL the values go as
    one array parameter: an IN list of thousands costs Django and psycopg more time per value,
    preparing and rewriting the query, than the database spends answering it."""
    values = list(values)
    if connection.vendor == "postgresql":
        return _EqualsAny(F(field_name), values)
    return Q(**{f"{field_name}__in": values})


def _copy(table: str, columns: Sequence[Field], rows: Iterable[Sequence[Any]]) -> None:
    """COPY rows of Python values: psycopg writes text, numbers, dates, times and UUIDs as they
    are; JSON goes as its text, as Django's JSONField sends it."""
    names = ", ".join(connection.ops.quote_name(field.column) for field in columns)
    as_json = [
        (position, field.encoder)
        for position, field in enumerate(columns)
        if isinstance(field, JSONField)
    ]
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {connection.ops.quote_name(table)} ({names}) FROM STDIN") as copy,
    ):
        for row in rows:
            values = list(row)
            for position, encoder in as_json:
                if values[position] is not None:
                    values[position] = json.dumps(values[position], cls=encoder)
            copy.write_row(values)


def _allocate_ids(model: type[Model], count: int) -> list[int]:
    table = model._meta.db_table
    column = model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def _filled_column(field: Field, now) -> Callable[[], Any]:
    """The value of a column the caller left out: the current time for auto_now fields,
    else the field's default (a callable default, such as dict, is called for every row)."""
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return lambda: now
    if field.has_default() and callable(field.default):
        return field.get_default
    default = field.get_default()
    return lambda: default


def insert_rows(
    model: type[Model],
    *,
    fields: Sequence[str],
    rows: Sequence[Sequence[Any]],
    returning_pks: bool = False,
) -> list:
    """Insert rows of values for `fields` (attribute names, such as "customer_id"); the other
    columns take their defaults. With `returning_pks`, the new primary keys in row order."""
    if not rows:
        return []
    if connection.vendor != "postgresql":
        objects = [model(**dict(zip(fields, row, strict=True))) for row in rows]
        model.objects.bulk_create(objects, batch_size=ROWS_PER_STATEMENT)
        return [obj.pk for obj in objects] if returning_pks else []
    pks = _copy_new_rows(model, list(fields), rows, returning_pks=returning_pks)
    return pks if returning_pks else []


def _copy_new_rows(
    model: type[Model], fields: list[str], rows: Sequence[Sequence[Any]], *, returning_pks: bool
) -> list:
    meta = model._meta
    pk = meta.pk
    from_sequence = isinstance(pk, AutoFieldMixin)
    pks: list = []
    if pk.attname in fields:
        pks = [row[fields.index(pk.attname)] for row in rows]
    elif returning_pks or not from_sequence:
        # An id from a sequence is drawn first when the caller needs it back; an id with a
        # Python default (a UUID) is made here, as Django would.
        pks = _allocate_ids(model, len(rows)) if from_sequence else [pk.get_default() for _ in rows]
        fields = [pk.attname, *fields]
        rows = [(key, *row) for key, row in zip(pks, rows, strict=True)]
    given = [meta.get_field(name) for name in fields]
    missing = [
        field
        for field in meta.concrete_fields
        if field not in given and not (field is pk and from_sequence)
    ]
    now = timezone.now()
    fill = [_filled_column(field, now) for field in missing]
    _copy(
        meta.db_table,
        [*given, *missing],
        ([*row, *(value() for value in fill)] for row in rows),
    )
    return pks


def update_rows(
    model: type[Model], *, fields: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Set `fields` on the rows given as (primary key, *values)."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        pk_name = model._meta.pk.attname
        objects = [model(**dict(zip([pk_name, *fields], row, strict=True))) for row in rows]
        model.objects.bulk_update(objects, fields=fields, batch_size=ROWS_PER_STATEMENT)
        return
    meta = model._meta
    columns = [meta.pk, *(meta.get_field(name) for name in fields)]
    quoted = [connection.ops.quote_name(field.column) for field in columns]
    table = connection.ops.quote_name(meta.db_table)
    # A temporary table rather than VALUES: psycopg spends most of an UPDATE with thousands of
    # placeholders rewriting the query, while COPY streams the values as they are.
    staging = connection.ops.quote_name(f"staging_{meta.db_table}")
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{staging}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {staging} ON COMMIT DROP AS "
            f"SELECT {', '.join(quoted)} FROM {table} WITH NO DATA"
        )
    _copy(f"staging_{meta.db_table}", columns, rows)
    assignments = ", ".join(f"{column} = v.{column}" for column in quoted[1:])
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS t SET {assignments} FROM {staging} AS v "
            f"WHERE t.{quoted[0]} = v.{quoted[0]}"
        )
