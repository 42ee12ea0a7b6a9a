"""Bulk data for the screen-pop benchmark: a million customers in SQL, in a minute or two.

Going through the ingest API would take an hour at today's speed (docs/BENCHMARKS.md), so the
rows that identity resolution would have written are made directly with INSERT ... SELECT
generate_series: per customer one `loan_cc` source record, its match keys and the blocking keys
`customers.normalization.blocking_keys` gives (`tel:` is what the caller lookup reads), a loan
account for three in ten, and optionally a call history and cases, because the screen pop's
customer-360 reads recent contacts and open cases and their cost grows with those tables.

Customer number i is deterministic (id, phone, name), so the load generator can pick callers
without reading them back: `customer_phone(i)`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import psycopg

SYSTEM = "loan_cc"
HISTORY_SOURCE = "bench-history"
MOBILE_PREFIXES = ("090", "080", "070")
# Tables written in bulk; their secondary indexes are dropped first and built again afterwards,
# which is several times faster than keeping them up to date row by row.
BULK_TABLES = (
    "customers_customer",
    "customers_sourcerecord",
    "customers_blockingkey",
    "customers_account",
    "contacts_contact",
    "contacts_case",
)

FAMILY_NAMES = [
    ("佐藤", "サトウ"),
    ("鈴木", "スズキ"),
    ("高橋", "タカハシ"),
    ("田中", "タナカ"),
    ("伊藤", "イトウ"),
    ("渡辺", "ワタナベ"),
    ("山本", "ヤマモト"),
    ("中村", "ナカムラ"),
    ("小林", "コバヤシ"),
    ("加藤", "カトウ"),
    ("吉田", "ヨシダ"),
    ("山田", "ヤマダ"),
    ("佐々木", "ササキ"),
    ("山口", "ヤマグチ"),
    ("松本", "マツモト"),
    ("井上", "イノウエ"),
    ("木村", "キムラ"),
    ("林", "ハヤシ"),
    ("斎藤", "サイトウ"),
    ("清水", "シミズ"),
]
GIVEN_NAMES = [
    ("太郎", "タロウ", "M"),
    ("一郎", "イチロウ", "M"),
    ("健太", "ケンタ", "M"),
    ("翔太", "ショウタ", "M"),
    ("大輔", "ダイスケ", "M"),
    ("拓也", "タクヤ", "M"),
    ("直樹", "ナオキ", "M"),
    ("誠", "マコト", "M"),
    ("亮", "リョウ", "M"),
    ("浩二", "コウジ", "M"),
    ("花子", "ハナコ", "F"),
    ("陽子", "ヨウコ", "F"),
    ("美咲", "ミサキ", "F"),
    ("愛", "アイ", "F"),
    ("由美", "ユミ", "F"),
    ("恵子", "ケイコ", "F"),
    ("真由美", "マユミ", "F"),
    ("彩", "アヤ", "F"),
    ("明美", "アケミ", "F"),
    ("優子", "ユウコ", "F"),
]


def customer_phone(number: int) -> str:
    """The unique mobile of customer `number` (1-based), digits only."""
    return MOBILE_PREFIXES[number % 3] + f"{number // 3:08d}"


def unknown_phone(draw: int) -> str:
    """An IP-phone number no customer has, not even its last eight digits (tel8)."""
    return "050" + f"{90_000_000 + draw % 10_000_000:08d}"


def _values(rows: list[tuple]) -> str:
    def literal(value: object) -> str:
        return f"'{value}'" if isinstance(value, str) else str(value)

    return ", ".join("(" + ", ".join(literal(v) for v in row) + ")" for row in rows)


def _people_sql() -> str:
    families = _values([(n, kanji, kana) for n, (kanji, kana) in enumerate(FAMILY_NAMES)])
    givens = _values(
        [(n, kanji, kana, gender) for n, (kanji, kana, gender) in enumerate(GIVEN_NAMES)]
    )
    prefixes = ", ".join(f"'{prefix}'" for prefix in MOBILE_PREFIXES)
    return f"""
    CREATE TEMP TABLE bench_people ON COMMIT DROP AS
    WITH families(n, kanji, kana) AS (VALUES {families}),
         givens(n, kanji, kana, gender) AS (VALUES {givens}),
         numbered AS (
             SELECT i, (ARRAY[{prefixes}])[i %% 3 + 1] || lpad((i / 3)::text, 8, '0') AS phone
             FROM generate_series(1, %(customers)s) AS i
         )
    SELECT i,
           md5('bench-customer-' || i)::uuid AS customer_id,
           'C' || lpad(i::text, 8, '0') AS customer_number,
           'L-' || lpad(i::text, 8, '0') AS external_id,
           phone,
           substr(phone, 1, 3) || '-' || substr(phone, 4, 4) || '-' || substr(phone, 8, 4)
               AS phone_written,
           f.kanji AS family, f.kana AS family_kana, g.kanji AS given, g.kana AS given_kana,
           g.gender,
           to_char(date '1950-01-01' + ((i::bigint * 7919) %% 18250)::int, 'YYYY-MM-DD')
               AS birth_date,
           'c' || i || '@example.jp' AS email,
           lpad(((i * 37) %% 10000000)::text, 7, '0') AS postal_code,
           '東京都新宿区西新宿' || (i %% 8 + 1) || '-' || (i %% 30 + 1) || '-' || (i %% 20 + 1)
               || '-' || (i / 2) || '号室' AS address,
           i %% 10 < 3 AS has_loan,
           CASE WHEN i %% 25 = 0 THEN 12 ELSE 0 END AS days_past_due,
           '4980' || lpad(i::text, 8, '0') AS loan_number
    FROM numbered
    JOIN families f ON f.n = i %% 20
    JOIN givens g ON g.n = (i / 20) %% 20
    """


CUSTOMERS_SQL = """
INSERT INTO customers_customer (
    id, customer_number, name, name_kana, birth_date, gender, phones, emails, postal_code,
    address, field_sources, search_name, search_kana, is_vulnerable, do_not_call, fraud_watch,
    created_at, updated_at, merged_into_id)
SELECT customer_id, customer_number, family || ' ' || given, family_kana || ' ' || given_kana,
       birth_date::date, gender, jsonb_build_array(phone_written), jsonb_build_array(email),
       substr(postal_code, 1, 3) || '-' || substr(postal_code, 4), address,
       (SELECT jsonb_object_agg(field, 'loan_cc:' || external_id)
        FROM unnest(ARRAY['customer_number', 'name', 'name_kana', 'birth_date', 'gender',
                          'postal_code', 'address']) AS field),
       family || given, family_kana || given_kana, i % 200 = 0, false, i % 500 = 0,
       now(), now(), NULL
FROM bench_people
"""

SOURCE_RECORDS_SQL = """
INSERT INTO customers_sourcerecord (
    id, system, external_id, customer_id, payload, payload_hash, match_keys, record_updated_at,
    link_rule, link_score, created_at, updated_at)
SELECT i, 'loan_cc', external_id, customer_id, payload,
       encode(sha256(convert_to(payload::text, 'UTF8')), 'hex'), match_keys,
       timestamptz '2026-11-01 10:00:00+09', '', NULL, now(), now()
FROM (
    SELECT *,
           jsonb_build_object(
               'external_id', external_id, 'customer_number', customer_number,
               'name', family || ' ' || given, 'name_kana', family_kana || ' ' || given_kana,
               'birth_date', birth_date, 'gender', gender,
               'phones', jsonb_build_array(phone_written), 'emails', jsonb_build_array(email),
               'postal_code', substr(postal_code, 1, 3) || '-' || substr(postal_code, 4),
               'address', address, 'updated_at', '2026-11-01T10:00:00+09:00',
               'attributes', '{}'::jsonb)
           || CASE WHEN has_loan THEN jsonb_build_object('accounts', jsonb_build_array(
                  jsonb_build_object(
                      'kind', 'loan', 'number_hash', encode(sha256(loan_number::bytea), 'hex'),
                      'last4', right(loan_number, 4), 'status', 'active',
                      'balance', 300000 + i % 7 * 100000, 'limit', 1000000,
                      'next_due_date', '2026-12-27', 'days_past_due', days_past_due)))
              ELSE '{}'::jsonb END AS payload,
           jsonb_build_object(
               'customer_number', customer_number, 'name', family || given,
               'family_name', family, 'given_name', given,
               'name_kana', family_kana || given_kana, 'family_kana', family_kana,
               'given_kana', given_kana, 'birth_date', birth_date, 'gender', gender,
               'phones', jsonb_build_array(phone), 'emails', jsonb_build_array(email),
               'postal_code', postal_code, 'address', address) AS match_keys
    FROM bench_people
) AS records
"""

# The keys blocking_keys() gives for such a record (checked against it after the load), but the
# romaji one (lb:), which pykakasi reads in Python: only a Latin-script search misses it.
BLOCKING_KEYS_SQL = """
INSERT INTO customers_blockingkey (key, source_record_id)
SELECT key, i
FROM bench_people,
LATERAL unnest(ARRAY[
    'num:' || customer_number,
    'tel:' || phone,
    'tel8:' || right(phone, 8),
    'mail:' || email,
    'nb:' || family || given || ':' || birth_date,
    'kb:' || family_kana || given_kana || ':' || birth_date,
    'gn:' || given || ':' || birth_date,
    'gk:' || given_kana || ':' || birth_date,
    'fk:' || family_kana || ':' || birth_date,
    'kp:' || left(family_kana || given_kana, 2) || ':' || birth_date,
    'np:' || family_kana || given_kana || ':' || postal_code,
    'af:' || address || ':' || family_kana
]) AS key
"""

ACCOUNTS_SQL = """
INSERT INTO customers_account (
    source_record_id, kind, number_hash, last4, status, balance, credit_limit, next_due_date,
    days_past_due)
SELECT i, 'loan', encode(sha256(loan_number::bytea), 'hex'), right(loan_number, 4), 'active',
       300000 + i % 7 * 100000, 1000000, date '2026-12-27', days_past_due
FROM bench_people
WHERE has_loan
"""

# Finished calls spread over the last year, each of a pseudo-random customer and agent.
HISTORY_CONTACTS_SQL = """
INSERT INTO contacts_contact (
    id, channel, source, call_id, leg, desk, caller_number, dialled_number, identified_at_offer,
    state, offered_at, answered_at, ended_at, wrapped_up_at, hold_seconds, disposition,
    created_at, updated_at, agent_id, customer_id, parent_id, queue_id, wrap_up_code_id,
    customer_picked_at, customer_picked_by_id, end_reason, identity_check,
    identity_check_questions, identity_check_reason)
SELECT md5('bench-history-' || j)::uuid, 'phone', %(source)s, 'hist-' || j, 0, queue.desk,
       '', '0120000000', true, 'wrapped_up', at, at + interval '8 s', at + interval '300 s',
       at + interval '345 s', 0, '', at, at,
       (%(agents)s::int[])[1 + j %% cardinality(%(agents)s::int[])],
       md5('bench-customer-' || (1 + (j::bigint * 104729) %% %(customers)s))::uuid,
       NULL, queue.id, NULL, NULL, NULL, '', '', '[]'::jsonb, ''
FROM generate_series(1, %(contacts)s) AS j
CROSS JOIN LATERAL (SELECT now() - (j %% 525600) * interval '1 minute' AS at) AS t
JOIN contacts_queue AS queue ON queue.name = CASE WHEN j %% 10 = 0 THEN 'atm' ELSE 'loans' END
"""

CASES_SQL = """
INSERT INTO contacts_case (
    id, source, external_id, kind, status, owner_desk, subject, details, opened_at, due_at,
    closed_at, customer_id)
SELECT md5('bench-case-' || j)::uuid, %(source)s, '',
       (ARRAY['loan_application', 'repayment_consultation', 'card_retained',
              'cash_not_dispensed'])[1 + j %% 4],
       CASE WHEN j %% 5 = 0 THEN 'open' ELSE 'closed' END,
       CASE WHEN j %% 4 < 2 THEN 'contact_center' ELSE 'service_center' END,
       'ベンチマーク案件 ' || j, '{}'::jsonb, now() - (j %% 400) * interval '1 day', NULL,
       CASE WHEN j %% 5 = 0 THEN NULL ELSE now() END,
       md5('bench-customer-' || (1 + (j::bigint * 7919) %% %(customers)s))::uuid
FROM generate_series(1, %(cases)s) AS j
"""

SECONDARY_INDEXES_SQL = """
SELECT indexname, indexdef FROM pg_indexes AS i
WHERE schemaname = 'public' AND tablename = ANY(%s)
  AND NOT EXISTS (SELECT 1 FROM pg_constraint AS c WHERE c.conname = i.indexname)
"""


@dataclass(frozen=True)
class DataSize:
    customers: int
    history_contacts: int
    cases: int


def load_customers(
    database_url: str, *, size: DataSize, agent_ids: list[int], say: Callable[[str], None]
) -> None:
    """Replace every customer, record, key, account, contact and case with generated ones, in
    one transaction: an interrupted load leaves the database as it was."""
    with psycopg.connect(database_url) as connection, connection.cursor() as cursor:
        # The rows are consistent by construction: skip the per-row foreign-key triggers.
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute(
            "TRUNCATE contacts_contactnote, contacts_contact, contacts_case, "
            "contacts_callevent, customers_mergedecision, customers_reviewcandidate, "
            "customers_account, customers_blockingkey, customers_sourcerecord, "
            "customers_customer CASCADE"
        )
        cursor.execute(SECONDARY_INDEXES_SQL, [list(BULK_TABLES)])
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        steps: list[tuple[str, str, dict]] = [
            ("people", _people_sql(), {"customers": size.customers}),
            ("customers", CUSTOMERS_SQL, {}),
            ("source records", SOURCE_RECORDS_SQL, {}),
            ("blocking keys", BLOCKING_KEYS_SQL, {}),
            ("loan accounts", ACCOUNTS_SQL, {}),
            (
                "call history",
                HISTORY_CONTACTS_SQL,
                {
                    "source": HISTORY_SOURCE,
                    "agents": agent_ids,
                    "customers": size.customers,
                    "contacts": size.history_contacts,
                },
            ),
            (
                "cases",
                CASES_SQL,
                {"source": HISTORY_SOURCE, "customers": size.customers, "cases": size.cases},
            ),
        ]
        for label, statement, params in steps:
            started = time.monotonic()
            cursor.execute(statement, params or None)
            say(f"  {label}: {cursor.rowcount:,} rows in {time.monotonic() - started:.0f} s")
        started = time.monotonic()
        for _, definition in indexes:
            cursor.execute(definition)
        say(f"  {len(indexes)} indexes built again in {time.monotonic() - started:.0f} s")
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('customers_sourcerecord', 'id'), "
            "(SELECT max(id) FROM customers_sourcerecord))"
        )
    with psycopg.connect(database_url, autocommit=True) as connection:
        started = time.monotonic()
        for table in BULK_TABLES:
            connection.execute(f"VACUUM ANALYZE {table}")
        say(f"  vacuum analyze in {time.monotonic() - started:.0f} s")


def loaded_customers(database_url: str) -> int:
    with psycopg.connect(database_url) as connection:
        return connection.execute("SELECT count(*) FROM customers_customer").fetchone()[0]


def sample_records(database_url: str, numbers: list[int]) -> list[tuple[int, dict, dict, set]]:
    """(number, payload, stored match keys, stored blocking keys) of some customers."""
    with psycopg.connect(database_url) as connection:
        rows = connection.execute(
            """
            SELECT r.id, r.payload, r.match_keys, array_agg(k.key)
            FROM customers_sourcerecord AS r
            JOIN customers_blockingkey AS k ON k.source_record_id = r.id
            WHERE r.id = ANY(%s) GROUP BY r.id
            """,
            [numbers],
        ).fetchall()
    return [(number, payload, keys, set(blocks)) for number, payload, keys, blocks in rows]
