"""Card numbers in free text: Luhn-valid runs of 13 to 19 digits are masked to their last four."""

import pytest

from customers.card_numbers import luhn_valid, mask_card_numbers, mask_card_numbers_in


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("4111111111111111", "************1111"),
        ("カード 4111 1111 1111 1111 を紛失", "カード **** **** **** 1111 を紛失"),
        ("card 5500-0000-0000-0004.", "card ****-****-****-0004."),
        ("amex 3782 822463 10005", "amex **** ****** *0005"),
        ("order 12 4111 1111 1111 1111", "order 12 **** **** **** 1111"),
        ("4111111111111111と4012888888881881", "************1111と************1881"),
    ],
)
def test_card_numbers_are_masked_to_their_last_four_digits(typed, stored):
    assert mask_card_numbers(typed) == stored


@pytest.mark.parametrize(
    "text",
    [
        "090-1234-5678",  # a phone
        "4111111111111112",  # fails the Luhn check
        "411111111111",  # too short
        "12345678901234567890123",  # one long run is no card number
        "口座 1234567 支店 001",
        "",
    ],
)
def test_other_numbers_are_left_as_typed(text):
    assert mask_card_numbers(text) == text


def test_luhn_check():
    assert luhn_valid("79927398713")
    assert not luhn_valid("79927398710")


def test_json_values_are_masked_in_strings_keys_and_numbers():
    value = {
        "note": ["カード 4111-1111-1111-1111"],
        "4012888888881881": True,
        "pan": 4111111111111111,
        "amount": 5000,
        "flag": None,
    }

    assert mask_card_numbers_in(value) == {
        "note": ["カード ****-****-****-1111"],
        "************1881": True,
        "pan": "************1111",
        "amount": 5000,
        "flag": None,
    }


def test_masking_twice_changes_nothing():
    once = mask_card_numbers("4111 1111 1111 1111")
    assert mask_card_numbers(once) == once
