"""Where a webhook may be sent: https (http only where WEBHOOK_ALLOW_HTTP says so) to a public
address, no user name or password in the URL. A subscription's URL is checked when it is made,
and its host is resolved and checked again before every delivery, which then connects to the
checked address itself: a name that resolved to a public address yesterday (or a second ago) may
point at 169.254.169.254 or 127.0.0.1 now (DNS rebinding). WEBHOOK_ALLOW_PRIVATE lets tests and
a local demo send to their own machine; production never sets it."""

import ipaddress
import socket
from urllib.parse import SplitResult, urlsplit

from django.conf import settings


class WebhookAddressError(ValueError):
    """A URL or an address a webhook may not go to; the message says why."""


def allowed_schemes() -> set[str]:
    return {"https", "http"} if settings.WEBHOOK_ALLOW_HTTP else {"https"}


def checked_url(url: str) -> SplitResult:
    """The URL split, when its form may take webhooks; resolving its host is `public_addresses`."""
    parts = urlsplit(url)
    if parts.scheme not in allowed_schemes():
        raise WebhookAddressError(f"Use {' or '.join(sorted(allowed_schemes()))}.")
    if parts.username is not None or parts.password is not None:
        raise WebhookAddressError("A webhook URL may not carry a user name or password.")
    if not parts.hostname:
        raise WebhookAddressError("The URL has no host.")
    try:
        parts.port  # noqa: B018 (a port out of range raises here)
    except ValueError as error:
        raise WebhookAddressError("The URL's port is not valid.") from error
    return parts


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def public_addresses(parts: SplitResult) -> list[str]:
    """Every address the URL's host resolves to, all of which must be public (one private one
    is enough to refuse: which the connection would use is not ours to choose)."""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        found = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise WebhookAddressError(f"The host {parts.hostname} cannot be resolved.") from error
    addresses = list(dict.fromkeys(info[4][0] for info in found))
    if not settings.WEBHOOK_ALLOW_PRIVATE:
        for address in addresses:
            if not _is_public(ipaddress.ip_address(address.split("%")[0])):
                raise WebhookAddressError(
                    f"The host {parts.hostname} is not a public address ({address})."
                )
    if not addresses:
        raise WebhookAddressError(f"The host {parts.hostname} cannot be resolved.")
    return addresses


def check_subscription_url(url: str) -> None:
    """A URL a subscription may take: its form, and, unless private addresses are allowed, that
    its host resolves to public addresses only."""
    parts = checked_url(url)
    if not settings.WEBHOOK_ALLOW_PRIVATE:
        public_addresses(parts)
