"""Reading and writing many rows at once: rows written as plain tuples of field values, and
rows read by thousands of values.

Django's bulk_create and bulk_update build a model instance per row and quote every value into
SQL; for a batch's tens of thousands of records and keys that costs more than resolving them.
On PostgreSQL rows go through COPY instead (an update through COPY into a temporary table and
one `UPDATE ... FROM`); other databases, such as the embedded SQLite, use Django's bulk methods.
"""

import json
from collections import namedtuple
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import psycopg
from django.db import connection
from django.db.models import F, Field, JSONField, Lookup, Model, Q
from django.db.models.fields import AutoFieldMixin
from django.utils import timezone

ROWS_PER_STATEMENT = 1000
# Below this many rows a staging table (four statements, and a catalog entry made and dropped)
# costs more than Django's INSERT of the values.
STAGED_FROM_ROWS = 100


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


def rows_with_one_of(
    model: type[Model],
    *,
    field: str,
    values: Iterable,
    columns: Sequence[str],
    named: bool = False,
    limit_per_value: int | None = None,
    **where: Any,
) -> list[tuple]:
    """`columns` of the rows whose `field` is one of `values` and whose other fields in
    `where` equal the value given (or one of them, when it is a list), as `values_list` gives
    them.

    On PostgreSQL each value is looked up in the field's index on its own. With `field =
    ANY(...)` of thousands of values the planner goes by its statistics, and while a table grows
    faster than ANALYZE follows (a bulk load, or a server with autovacuum off) it guesses that
    most of the table matches and reads all of it: a batch's reads then cost more the bigger the
    table, instead of staying a few index look-ups per record.

    With `limit_per_value`, PostgreSQL returns at most that many rows for each value (which
    ones is not defined); other databases return them all.
    """
    values = list(dict.fromkeys(values))
    if not values:
        return []
    if connection.vendor != "postgresql":
        conditions = {
            f"{name}__in" if isinstance(value, list) else name: value
            for name, value in where.items()
        }
        rows = model.objects.filter(**{f"{field}__in": values}, **conditions)
        return list(rows.values_list(*columns, named=named))
    meta = model._meta
    quote = connection.ops.quote_name
    looked_up = meta.pk if field == "pk" else meta.get_field(field)
    conditions = [f"{quote(looked_up.column)} = one.value"]
    parameters: list = [values]
    for name, value in where.items():
        other = meta.get_field(name)
        if isinstance(value, list):
            conditions.append(f"{quote(other.column)} = ANY(%s)")
            parameters.append([other.get_db_prep_value(item, connection) for item in value])
        else:
            conditions.append(f"{quote(other.column)} = %s")
            parameters.append(other.get_db_prep_value(value, connection))
    selected = [meta.pk if name == "pk" else meta.get_field(name) for name in columns]
    names = ", ".join(quote(column.column) for column in selected)
    limit = f" LIMIT {int(limit_per_value)}" if limit_per_value else ""
    # OFFSET 0 keeps the lateral subquery a look-up per value: without it the planner may
    # turn it back into one join and choose the same full read.
    sql = (
        "SELECT found.* FROM unnest(%b) AS one(value) "
        f"CROSS JOIN LATERAL (SELECT {names} FROM {quote(meta.db_table)} "
        f"WHERE {' AND '.join(conditions)} OFFSET 0{limit}) AS found"
    )
    converters = [
        (position, column.get_db_converters(connection))
        for position, column in enumerate(selected)
        if column.get_db_converters(connection)
    ]
    # The values go to the server as one binary array (psycopg's own cursor binds on the
    # server; Django's quotes every value into the SQL, which cost more than the look-ups).
    with connection.cursor() as cursor, psycopg.Cursor(cursor.connection) as bound:
        bound.execute(sql, parameters)
        rows = bound.fetchall()
    if converters:
        rows = [_converted(row, converters) for row in rows]
    if named:
        row_type = namedtuple("Row", columns)
        return [row_type(*row) for row in rows]
    return rows


def delete_rows_with_one_of(model: type[Model], *, field: str, values: Iterable) -> None:
    """Delete the rows whose `field` is one of `values`: found as `rows_with_one_of` finds
    them, deleted by primary key."""
    found = rows_with_one_of(model, field=field, values=values, columns=["pk"])
    if found:
        model.objects.filter(one_of("pk", [pk for (pk,) in found])).delete()


def _converted(row: tuple, converters: list) -> tuple:
    values = list(row)
    for position, functions in converters:
        for function in functions:
            values[position] = function(values[position], None, connection)
    return tuple(values)


class EncodedJSON(str):
    """A JSON column's value already encoded (a batch hashes that text): written as it is
    rather than parsed and encoded again."""


def _decoded(row: Sequence[Any]) -> list:
    """The row for Django's own bulk methods, which encode JSON values themselves."""
    return [json.loads(value) if type(value) is EncodedJSON else value for value in row]


def _copy(table: str, columns: Sequence[Field], rows: Iterable[Sequence[Any]]) -> None:
    """COPY rows of Python values: psycopg writes text, numbers, dates, times and UUIDs as they
    are; JSON goes as its text, encoded with the field's encoder as Django's JSONField does
    (unless it comes encoded already)."""
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
                value = values[position]
                if value is not None and type(value) is not EncodedJSON:
                    # Unescaped: the same JSON value, half the bytes for Japanese text.
                    values[position] = json.dumps(value, cls=encoder, ensure_ascii=False)
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
        objects = [model(**dict(zip(fields, _decoded(row), strict=True))) for row in rows]
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
    columns, full_rows = _completed(meta, fields, rows, skip_sequence_pk=from_sequence)
    _copy(meta.db_table, columns, full_rows)
    return pks


def _completed(meta, fields: list[str], rows, *, skip_sequence_pk: bool = False) -> tuple:
    """Every column to write, and the rows with the columns the caller left out filled in
    (their defaults; the time for auto_now fields). A primary key from a sequence is left to
    the database when `skip_sequence_pk`."""
    given = [meta.get_field(name) for name in fields]
    missing = [
        field
        for field in meta.concrete_fields
        if field not in given and not (field is meta.pk and skip_sequence_pk)
    ]
    now = timezone.now()
    fill = [_filled_column(field, now) for field in missing]
    return [*given, *missing], ([*row, *(value() for value in fill)] for row in rows)


def update_rows(
    model: type[Model], *, fields: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Set `fields` on the rows given as (primary key, *values)."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        pk_name = model._meta.pk.attname
        objects = [
            model(**dict(zip([pk_name, *fields], _decoded(row), strict=True))) for row in rows
        ]
        model.objects.bulk_update(objects, fields=fields, batch_size=ROWS_PER_STATEMENT)
        return
    meta = model._meta
    columns = [meta.pk, *(meta.get_field(name) for name in fields)]
    quoted = [connection.ops.quote_name(field.column) for field in columns]
    table = connection.ops.quote_name(meta.db_table)
    staging = _staged(meta, columns, rows)
    assignments = ", ".join(f"{column} = v.{column}" for column in quoted[1:])
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS t SET {assignments} FROM {staging} AS v "
            f"WHERE t.{quoted[0]} = v.{quoted[0]}"
        )


def _staged(meta, columns: Sequence[Field], rows: Iterable[Sequence[Any]]) -> str:
    """The rows COPied into a temporary table of `columns` (dropped at commit); its quoted name.
    A temporary table rather than VALUES: psycopg spends most of a statement with thousands of
    placeholders rewriting the query, while COPY streams the values as they are."""
    quoted = [connection.ops.quote_name(field.column) for field in columns]
    staging = connection.ops.quote_name(f"staging_{meta.db_table}")
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{staging}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {staging} ON COMMIT DROP AS "
            f"SELECT {', '.join(quoted)} FROM {connection.ops.quote_name(meta.db_table)} "
            "WITH NO DATA"
        )
    _copy(f"staging_{meta.db_table}", columns, rows)
    return staging


def insert_rows_skipping_conflicts(
    model: type[Model], *, fields: Sequence[str], rows: Sequence[Sequence[Any]]
) -> set:
    """Insert the rows that clash with no stored row on a unique constraint and skip the others
    (what another request stored a moment ago); the primary keys of the rows that went in.
    `fields` must hold the primary key. Needs a transaction (the staging table lasts until
    commit)."""
    if not rows:
        return set()
    meta = model._meta
    position = list(fields).index(meta.pk.attname)
    if connection.vendor != "postgresql" or len(rows) < STAGED_FROM_ROWS:
        objects = [model(**dict(zip(fields, _decoded(row), strict=True))) for row in rows]
        model.objects.bulk_create(objects, batch_size=ROWS_PER_STATEMENT, ignore_conflicts=True)
        planned = [row[position] for row in rows]
        return set(model.objects.filter(pk__in=planned).values_list("pk", flat=True))
    columns, full_rows = _completed(meta, list(fields), rows)
    staging = _staged(meta, columns, full_rows)
    names = ", ".join(connection.ops.quote_name(field.column) for field in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({names}) "
            f"SELECT {names} FROM {staging} ON CONFLICT DO NOTHING "
            f"RETURNING {connection.ops.quote_name(meta.pk.column)}"
        )
        return {row[0] for row in cursor.fetchall()}
