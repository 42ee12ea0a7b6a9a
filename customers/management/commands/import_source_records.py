"""Load a file of source records: `manage.py import_source_records FILE --system SYSTEM`.

Same semantics as the batch API (same validation, same upsert and resolution, a thousand records a
transaction), for an initial load or a system that exports files instead of calling the API. A bad
line is reported with its line number and skipped; the rest are loaded.
"""

import csv
import json
import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from customers.record_input import MAX_BATCH_RECORDS, SourceRecordInput, validate_records
from customers.resolution import ingest_source_records

# The batch API's rule for a system's short name.
SYSTEM_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
FORMATS = (".jsonl", ".csv")
# Cells of a CSV are text: lists are written as one cell, split on either separator.
CSV_LIST_COLUMNS = ("phones", "emails")
CSV_LIST_SEPARATOR = re.compile(r"[;|]")
# Accounts and attributes are nested objects a CSV row cannot hold.
CSV_COLUMNS = tuple(
    name for name in SourceRecordInput().fields if name not in ("accounts", "attributes")
)

Row = tuple[int, dict | None, str]  # (line number, record, problem: "" when none)


class Command(BaseCommand):
    help = (
        "Load source records from a .jsonl file (one JSON object a line) or a .csv file (a header "
        "row of field names; phones and emails separated by ';' or '|'; empty cells are missing; "
        "no accounts) and resolve them to customers, as the batch API does."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="a .jsonl or .csv file")
        parser.add_argument("--system", required=True, help="the source system, e.g. loan_cc")
        parser.add_argument(
            "--encoding",
            default="utf-8-sig",
            help="text encoding of the file (default utf-8, with or without BOM; cp932 for "
            "Shift_JIS exports)",
        )

    def handle(self, *args, file: str, system: str, encoding: str, **options):
        path = Path(file)
        if not SYSTEM_NAME.match(system):
            raise CommandError(
                f"--system {system!r} is not a system name: lower-case letters, digits and _, "
                "starting with a letter, at most 32 characters."
            )
        if path.suffix.lower() not in FORMATS:
            raise CommandError(
                f"{path.name}: unknown file type {path.suffix or '(none)'!r}; "
                f"use {' or '.join(FORMATS)}."
            )
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        try:
            "".encode(encoding)
        except LookupError as error:
            raise CommandError(f"--encoding {encoding!r} is not a known text encoding.") from error

        # Decisions say which file linked a record, for the steward reading the audit trail.
        decided_by_system = f"import_source_records {path.name}"[:100]
        self.counts: Counter = Counter()
        # The bar goes to the command's stderr stream itself: Django's wrapper would end each
        # of its in-place updates with a new line.
        self.progress_stream = options.get("stderr") or sys.stderr
        self.progress = tqdm(
            total=path.stat().st_size,
            unit="B",
            unit_scale=True,
            desc=path.name,
            file=self.progress_stream,
            mininterval=0.5,
        )
        with path.open("rb") as stream, self.progress:
            lines = _decoded_lines(stream, encoding=encoding)
            rows = _jsonl_rows(lines) if path.suffix.lower() == ".jsonl" else _csv_rows(lines)
            for batch in _batches(rows, size=MAX_BATCH_RECORDS):
                self._load(batch, system=system, decided_by_system=decided_by_system)
                # Counted once a batch is stored, so the bar shows work done, not bytes read.
                self.progress.update(stream.tell() - self.progress.n)
                self.progress.set_postfix_str(f"{self.counts.total():,} records", refresh=False)

        counts = self.counts
        self.stdout.write(
            f"{path.name} → {system}: {counts['created']} created, {counts['linked']} linked, "
            f"{counts['updated']} updated, {counts['unchanged']} unchanged, {counts['bad']} bad."
        )

    def _load(self, batch: list[Row], *, system: str, decided_by_system: str) -> None:
        """Validate and ingest one batch of (line number, record, problem) rows."""
        line_numbers, records = [], []
        for line_number, record, problem in batch:
            if problem:
                self._report_bad_line(line_number, problem)
                continue
            line_numbers.append(line_number)
            records.append(record)
        checked = validate_records(records)
        for error in checked.errors:
            self._report_bad_line(line_numbers[error["index"]], _describe(error["fields"]))
        if not checked.valid:
            return
        outcome = ingest_source_records(
            system=system, records=checked.valid, decided_by_system=decided_by_system
        )
        self.counts.update(result.action for result in outcome.results)

    def _report_bad_line(self, line_number: int, problem: str) -> None:
        self.counts["bad"] += 1
        with self.progress.external_write_mode(file=self.progress_stream):
            self.stderr.write(f"line {line_number}: skipped: {problem}")


def _decoded_lines(stream, *, encoding: str) -> Iterator[tuple[int, str | None]]:
    """(line number, text) per line; text is None for a line that is not valid in the encoding,
    so one bad byte costs one line, not the file."""
    for line_number, raw in enumerate(stream, start=1):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            yield line_number, None
            continue
        yield line_number, text


def _jsonl_rows(lines: Iterable[tuple[int, str | None]]) -> Iterator[Row]:
    for line_number, text in lines:
        if text is None:
            yield line_number, None, "not valid text in the file's encoding"
        elif not text.strip():
            continue  # a blank line, e.g. at the end of the file
        else:
            try:
                yield line_number, json.loads(text), ""
            except json.JSONDecodeError as error:
                yield line_number, None, f"not valid JSON (column {error.colno}: {error.msg})"


def _csv_rows(lines: Iterable[tuple[int, str | None]]) -> Iterator[Row]:
    undecodable: set[int] = set()

    def texts() -> Iterator[str]:
        for line_number, text in lines:
            if text is None:
                undecodable.add(line_number)
                yield "\n"  # an empty line keeps the reader's line count in step
            else:
                yield text

    reader = csv.reader(texts())
    header = next(reader, None)
    if header is None:
        return
    columns = [name.strip() for name in header]
    unknown = [name for name in columns if name not in CSV_COLUMNS]
    if unknown or "external_id" not in columns:
        raise CommandError(
            f"CSV header: unknown columns {', '.join(unknown) or '(none)'}"
            + ("" if "external_id" in columns else "; an external_id column is required")
            + f". Known columns: {', '.join(CSV_COLUMNS)} (accounts cannot be loaded from CSV)."
        )
    last_line = reader.line_num
    for cells in reader:
        # A quoted cell may hold line breaks: a row runs from the line after the last one.
        line_number, last_line = last_line + 1, reader.line_num
        if undecodable.intersection(range(line_number, last_line + 1)):
            yield line_number, None, "not valid text in the file's encoding"
            continue
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(columns):
            yield line_number, None, f"{len(cells)} cells where the header has {len(columns)}"
            continue
        yield line_number, _csv_record(columns, cells), ""


def _csv_record(columns: list[str], cells: list[str]) -> dict:
    record: dict = {}
    for name, cell in zip(columns, cells, strict=True):
        if not cell.strip():
            continue  # an empty cell is a value the source does not have
        if name in CSV_LIST_COLUMNS:
            record[name] = [part.strip() for part in CSV_LIST_SEPARATOR.split(cell) if part.strip()]
        else:
            record[name] = cell
    return record


def _batches(rows: Iterable[Row], *, size: int) -> Iterator[list[Row]]:
    batch: list[Row] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _describe(fields: dict) -> str:
    """Field errors in one line: `birth_date: Date has wrong format...; phones: ...`."""
    parts = []
    for name, messages in fields.items():
        text = "; ".join(
            json.dumps(message, ensure_ascii=False) if not isinstance(message, str) else message
            for message in (messages if isinstance(messages, list) else [messages])
        )
        parts.append(f"{name}: {text}")
    return "; ".join(parts)
