"""How a person is named on the supervisors' screens: family name first, as in Japan, and the
user name only for someone whose name was never entered."""


def display_name(*, username: str, last_name: str | None = "", first_name: str | None = "") -> str:
    name = " ".join(part for part in (last_name or "", first_name or "") if part.strip())
    return name or username
