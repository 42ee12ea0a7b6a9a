"""The APPI access log: every showing of a customer's personal data, with who (a person or an
integration client), when, and from which contact or for what reason.

May import: the rooms below. Other packages use `records` and `models`."""

__all__ = ["models", "records"]
