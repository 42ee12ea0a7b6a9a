"""Updating many rows at once. Django's bulk_update builds a CASE expression per field and row,
which costs milliseconds a row; on PostgreSQL one `UPDATE ... FROM (VALUES ...)` does the same
in one statement at a fraction of the cost."""

from collections.abc import Sequence

from django.db import connection
from django.db.models import Model

ROWS_PER_STATEMENT = 1000


def update_rows(objects: Sequence[Model], *, fields: Sequence[str]) -> None:
    if not objects:
        return
    model = type(objects[0])
    if connection.vendor != "postgresql":
        model.objects.bulk_update(objects, fields=fields, batch_size=ROWS_PER_STATEMENT)
        return
    meta = model._meta
    model_fields = [meta.pk, *(meta.get_field(name) for name in fields)]
    columns = [field.column for field in model_fields]
    casts = [field.db_type(connection) for field in model_fields]
    assignments = ", ".join(
        f"{connection.ops.quote_name(column)} = v.{connection.ops.quote_name(column)}"
        for column in columns[1:]
    )
    pk_column = connection.ops.quote_name(columns[0])
    placeholders = "(" + ", ".join(f"%s::{cast}" for cast in casts) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(objects), ROWS_PER_STATEMENT):
            chunk = objects[start : start + ROWS_PER_STATEMENT]
            parameters = [
                field.get_db_prep_save(getattr(obj, field.attname), connection)
                for obj in chunk
                for field in model_fields
            ]
            cursor.execute(
                f"UPDATE {connection.ops.quote_name(meta.db_table)} AS t SET {assignments} "
                f"FROM (VALUES {', '.join([placeholders] * len(chunk))}) "
                f"AS v({', '.join(connection.ops.quote_name(c) for c in columns)}) "
                f"WHERE t.{pk_column} = v.{pk_column}",
                parameters,
            )
