"""Validation of source records: the quick path for plain records gives exactly what the
serializer gives, and leaves everything else (and every error's wording) to the serializer."""

import hypothesis.strategies as st
from hypothesis import given, settings
from rest_framework import serializers

from customers.models import AccountKind
from customers.record_input import SourceRecordInput, validate_records
from customers.validation import NotPlain, plain_errors, quick_validator
from tests.customers.people import TARO_LOAN

REFUSED = "refused by the serializer"
NOT_PLAIN = "left to the serializer"

PLAIN_RECORD = TARO_LOAN | {
    "attributes": {"desk": "contact_center"},
    "accounts": [
        {
            "kind": "loan",
            "number": "4980-0012-3456",
            "status": "active",
            "balance": 180000,
            "limit": 300000,
            "next_due_date": "2026-12-01",
            "days_past_due": 0,
        }
    ],
}

# Text as integrators send it, and the odd values the serializer refuses or changes: blanks,
# surrounding spaces, NUL, a lone surrogate, over-long values, numbers and other types.
odd_text = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", "  ", " a ", "\u3000名前\u3000", "a\x00b", "\ud800", "x" * 300]),
    st.integers(min_value=-5, max_value=10**20),
    st.floats(allow_nan=True),
    st.booleans(),
    st.none(),
    st.just(["a"]),
    st.just({"a": 1}),
)
dates = st.one_of(
    st.dates().map(lambda day: day.isoformat()),
    st.sampled_from(["", "1980-02-30", "19800401", "1980/04/01", " 1980-04-01", "2026-W01-1"]),
    odd_text,
)
times = st.one_of(
    st.sampled_from(
        ["2026-11-01T10:00:00+09:00", "2026-11-01 10:00:00", "1999-12-31T23:00:00Z", "", "x"]
    ),
    odd_text,
)
numbers = st.one_of(
    st.integers(min_value=-3, max_value=40000),
    st.sampled_from([10**30, 1.0, 2.5, "7", True]),
    st.none(),
)
account = st.fixed_dictionaries(
    {},
    optional={
        "kind": st.one_of(st.sampled_from([*AccountKind.values, "Loan", ""]), odd_text),
        "number": st.one_of(st.sampled_from(["4980-0012-3456", "12", "4111 1111"]), odd_text),
        "status": odd_text,
        "balance": numbers,
        "limit": numbers,
        "next_due_date": dates,
        "days_past_due": numbers,
        "pin": st.just("1234"),
    },
)
field_values = {
    "external_id": st.one_of(st.just("L-1"), odd_text),
    "customer_number": odd_text,
    "name": odd_text,
    "name_kana": odd_text,
    "birth_date": dates,
    "gender": odd_text,
    "phones": st.one_of(st.lists(odd_text, max_size=22), odd_text),
    "emails": st.one_of(st.lists(st.one_of(st.just("a@b.jp"), odd_text), max_size=3), odd_text),
    "postal_code": odd_text,
    "address": odd_text,
    "updated_at": times,
    "attributes": st.one_of(st.dictionaries(st.text(max_size=3), odd_text), odd_text),
    "accounts": st.one_of(st.lists(account, max_size=3), odd_text),
    "birthdate": odd_text,
}
# A plain record with one or two values changed, so that most of it takes the quick path.
nearly_plain = st.dictionaries(
    st.sampled_from(sorted(field_values)), st.just(None), min_size=1, max_size=2
).flatmap(
    lambda changed: st.fixed_dictionaries({name: field_values[name] for name in changed}).map(
        lambda values: PLAIN_RECORD | values
    )
)
records = st.one_of(
    nearly_plain,
    st.fixed_dictionaries({}, optional=field_values),
    odd_text,
)


def outcome(check, record):
    try:
        return repr(check(record))
    except NotPlain:
        return NOT_PLAIN
    except serializers.ValidationError:
        return REFUSED


@settings(max_examples=400, deadline=None)
@given(record=records)
def test_quick_path_gives_what_the_serializer_gives_or_leaves_it_to_it(record):
    serializer = SourceRecordInput()
    exactly = outcome(serializer.run_validation, record)
    quickly = outcome(quick_validator(serializer), record)

    # repr() tells a date from its text and a time zone from another with the same instant.
    assert quickly in (exactly, NOT_PLAIN)
    if exactly == REFUSED:
        assert quickly == NOT_PLAIN


def test_a_plain_record_takes_the_quick_path():
    serializer = SourceRecordInput()

    assert repr(quick_validator(serializer)(PLAIN_RECORD)) == repr(
        serializer.run_validation(PLAIN_RECORD)
    )


def serializer_errors(record) -> dict:
    try:
        SourceRecordInput().run_validation(record)
    except serializers.ValidationError as error:
        return plain_errors(error.detail)
    raise AssertionError("the serializer accepted it")


def test_refused_records_are_worded_by_the_serializer_and_the_others_go_on():
    blank_id = PLAIN_RECORD | {"external_id": " ", "phones": [1]}

    checked = validate_records([PLAIN_RECORD, blank_id, "not a record"])

    assert [record["external_id"] for record in checked.valid] == ["L-000123"]
    assert checked.errors == [
        {"index": 1, "external_id": " ", "fields": serializer_errors(blank_id)},
        {
            "index": 2,
            "external_id": None,
            "fields": {"non_field_errors": serializer_errors("not a record")["non_field_errors"]},
        },
    ]
    assert set(checked.errors[0]["fields"]) == {"external_id", "phones"}
