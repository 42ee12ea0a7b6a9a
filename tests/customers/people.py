"""One person as both desks' systems write him: the records the customer tests start from."""

TARO_LOAN = {
    "external_id": "L-000123",
    "customer_number": "C0012345",
    "name": "山田 太郎",
    "name_kana": "ヤマダ タロウ",
    "birth_date": "1980-04-01",
    "gender": "M",
    "phones": ["090-1234-5678"],
    "emails": ["taro@example.jp"],
    "postal_code": "160-0022",
    "address": "東京都新宿区新宿1-1-1",
    "updated_at": "2026-11-01T10:00:00+09:00",
    "attributes": {},
    "accounts": [{"kind": "loan", "number": "4980-0012-3456", "status": "active"}],
}
TARO_ATM = {
    "external_id": "A-77",
    "name": "山田　太郎",
    "name_kana": "ﾔﾏﾀﾞ ﾀﾛｳ",
    "birth_date": "1980-04-01",
    "phones": ["０９０－１２３４－５６７８"],
    "accounts": [{"kind": "card", "number": "4111 1111 1111 1234"}],
}
