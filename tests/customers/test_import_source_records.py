"""`import_source_records`: files of source records loaded with the batch API's semantics; bad
lines are reported by line number and nothing of them is stored."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from customers.models import Customer, SourceRecord
from tests.customers.people import TARO_LOAN

pytestmark = pytest.mark.django_db

TARO = {
    **TARO_LOAN,
    "external_id": "L-1",
    "accounts": [{"kind": "loan", "number": "4980001234", "status": "active"}],
}
HANAKO = {
    "external_id": "L-5",
    "name": "佐藤 花子",
    "name_kana": "サトウ ハナコ",
    "birth_date": "1985-03-14",
    "phones": ["080-2222-3333"],
}


def run_import(path: Path, *, system: str = "loan_cc", **options) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(
        "import_source_records", str(path), system=system, stdout=out, stderr=err, **options
    )
    return out.getvalue(), err.getvalue()


def stored_ids(system: str = "loan_cc") -> set[str]:
    return set(SourceRecord.objects.filter(system=system).values_list("external_id", flat=True))


def write_jsonl(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def mixed_jsonl(tmp_path) -> Path:
    return write_jsonl(
        tmp_path / "loans.jsonl",
        [
            json.dumps(TARO, ensure_ascii=False),  # 1
            '{"external_id": "L-2", "name": ',  # 2: cut off
            "",  # 3: blank, ignored
            json.dumps({"external_id": "L-4", "birth_date": "1980-02-30"}),  # 4: no such day
            json.dumps(HANAKO, ensure_ascii=False),  # 5
            json.dumps({"external_id": "L-6", "birthdate": "1980-01-01"}),  # 6: unknown field
            "[1, 2]",  # 7: not an object
        ],
    )


def test_jsonl_good_lines_load_and_bad_lines_are_reported_by_number(mixed_jsonl):
    out, err = run_import(mixed_jsonl)

    assert stored_ids() == {"L-1", "L-5"}
    for line in (2, 4, 6, 7):
        assert f"line {line}: skipped" in err
    assert "line 1:" not in err and "line 3:" not in err and "line 5:" not in err
    assert "birth_date" in err and "birthdate: Unknown field." in err
    assert "2 created, 0 linked, 0 updated, 0 unchanged, 4 bad" in out


def test_imported_accounts_keep_only_the_last_four_digits(mixed_jsonl):
    run_import(mixed_jsonl)

    record = SourceRecord.objects.get(external_id="L-1")
    assert [account.masked_number for account in record.accounts.all()] == ["****1234"]
    assert "4980001234" not in json.dumps(record.payload)


def test_importing_the_same_file_again_changes_nothing(mixed_jsonl):
    run_import(mixed_jsonl)
    before = (Customer.objects.count(), list(SourceRecord.objects.values_list("payload_hash")))

    out, _ = run_import(mixed_jsonl)

    assert "0 created, 0 linked, 0 updated, 2 unchanged, 4 bad" in out
    after = (Customer.objects.count(), list(SourceRecord.objects.values_list("payload_hash")))
    assert after == before


def test_changed_line_is_updated(tmp_path):
    path = write_jsonl(tmp_path / "loans.jsonl", [json.dumps(TARO, ensure_ascii=False)])
    run_import(path)
    write_jsonl(path, [json.dumps(TARO | {"address": "東京都渋谷区1-2-3"}, ensure_ascii=False)])

    out, _ = run_import(path)

    assert "1 updated" in out
    assert SourceRecord.objects.get().payload["address"] == "東京都渋谷区1-2-3"


CSV_HEADER = "external_id,name,name_kana,birth_date,gender,phones,emails,postal_code,address"


def test_csv_splits_phones_and_emails_and_treats_empty_cells_as_missing(tmp_path):
    path = tmp_path / "atm.csv"
    path.write_text(
        "\n".join(
            [
                CSV_HEADER,
                "A-1,山田　太郎,ﾔﾏﾀﾞ ﾀﾛｳ,1980-04-01,1,09012345678; 03-3333-4444,"
                "taro@example.jp|t.yamada@example.com,1600022,東京都新宿区新宿1丁目1番1号",
                "A-2,,サトウ ハナコ,1985-03-14,,,,,",
            ]
        )
        + "\n",
        encoding="utf-8",
    )

    out, err = run_import(path, system="atm_svc")

    assert err.count("skipped") == 0
    assert "2 created" in out
    taro = SourceRecord.objects.get(external_id="A-1").payload
    assert taro["phones"] == ["09012345678", "03-3333-4444"]
    assert taro["emails"] == ["taro@example.jp", "t.yamada@example.com"]
    hanako = SourceRecord.objects.get(external_id="A-2").payload
    assert set(hanako) == {"external_id", "name_kana", "birth_date"}


def test_csv_bad_rows_are_reported_by_line_number_and_not_stored(tmp_path):
    path = tmp_path / "atm.csv"
    path.write_text(
        "\n".join(
            [
                CSV_HEADER,  # 1
                "A-1,,ヤマダ タロウ,1980-04-01,,,,,",  # 2
                "A-2,,,1980-13-01,,,,,",  # 3: no 13th month
                "A-3,too,few,cells",  # 4
                '"A-4",,"サトウ\nハナコ",1985-03-14,,,not-an-email,,',  # 5-6: a quoted line break
                "A-5,,スズキ イチロウ,1970-01-02,,,,,",  # 7
            ]
        )
        + "\n",
        encoding="utf-8",
    )

    out, err = run_import(path, system="atm_svc")

    assert stored_ids("atm_svc") == {"A-1", "A-5"}
    assert "line 3: skipped: birth_date" in err
    assert "line 4: skipped: 4 cells where the header has 9" in err
    assert "line 5: skipped: emails" in err
    assert "2 created" in out and "3 bad" in out


def test_undecodable_line_is_skipped_and_the_rest_load(tmp_path):
    path = tmp_path / "loans.jsonl"
    path.write_bytes(
        json.dumps(TARO, ensure_ascii=False).encode()
        + b"\n"
        + b'{"external_id": "L-2", "name": "\xff\xfe"}\n'
        + json.dumps(HANAKO, ensure_ascii=False).encode()
        + b"\n"
    )

    _, err = run_import(path)

    assert "line 2: skipped: not valid text" in err
    assert stored_ids() == {"L-1", "L-5"}


def test_shift_jis_csv_loads_with_its_encoding(tmp_path):
    path = tmp_path / "legacy.csv"
    path.write_bytes(
        "external_id,name,name_kana,birth_date\r\nA-9,髙橋　一郎,ﾀｶﾊｼ ｲﾁﾛｳ,1960-05-05\r\n".encode(
            "cp932"
        )
    )

    run_import(path, system="atm_svc", encoding="cp932")

    assert SourceRecord.objects.get(external_id="A-9").payload["name"] == "髙橋　一郎"


def test_loan_file_and_atm_file_of_one_person_resolve_to_one_customer(tmp_path):
    loans = write_jsonl(tmp_path / "loans.jsonl", [json.dumps(TARO, ensure_ascii=False)])
    cards = tmp_path / "cards.csv"
    cards.write_text(
        "external_id,name,name_kana,birth_date,phones\n"
        "A-77,山田　太郎,ﾔﾏﾀﾞ ﾀﾛｳ,1980-04-01,+81 90-1234-5678\n",
        encoding="utf-8",
    )

    run_import(loans)
    out, _ = run_import(cards, system="atm_svc")

    assert "1 linked" in out
    assert Customer.objects.filter(merged_into__isnull=True).count() == 1


@pytest.mark.parametrize(
    ("file_name", "message"),
    [("records.xlsx", "unknown file type '.xlsx'"), ("missing.jsonl", "no such file")],
)
def test_unknown_extension_or_missing_file_is_a_command_error(tmp_path, file_name, message):
    path = tmp_path / file_name
    if path.suffix == ".xlsx":
        path.write_bytes(b"PK")

    with pytest.raises(CommandError, match=message):
        run_import(path)


def test_csv_with_an_accounts_column_is_refused_before_loading_anything(tmp_path):
    path = tmp_path / "cards.csv"
    path.write_text("external_id,name,accounts\nA-1,山田 太郎,1234\n", encoding="utf-8")

    with pytest.raises(CommandError, match="unknown columns accounts"):
        run_import(path, system="atm_svc")
    assert not SourceRecord.objects.exists()


def test_system_name_must_be_a_short_lower_case_name(tmp_path):
    path = write_jsonl(tmp_path / "loans.jsonl", [json.dumps(TARO, ensure_ascii=False)])

    with pytest.raises(CommandError, match="not a system name"):
        run_import(path, system="Loan CC")
    assert not SourceRecord.objects.exists()
