"""Touchpoints: what the web member page, the app, a branch counter, LINE, e-mail, SMS and chat
tell the console about a customer (`interactions`: naming the customer, storing each once, telling
an agent who is talking to them), its API (`api`), what customers write back on LINE
(`line_replies`, the signed webhook) and bounces of our messages, and the steward's page for the
ones that named nobody we know (`pages`).

May import: console.calls (`screen`), console.follow_ups (consent, the messages sent),
console.roles, the rooms below.
Other packages use `interactions`, `api` and `pages`."""

__all__ = ["api", "interactions", "pages"]
