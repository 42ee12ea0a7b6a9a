"""The service desk: ATM incidents and service tickets from outside systems and from agents,
as cases with a lifecycle; each change tells the integrators (webhooks) and refreshes the screen
of an agent talking to the customer.

May import: console.calls (`screen`), console.follow_ups (`rules`: a closed case's follow-ups),
console.integrations, the rooms below. Other packages use
`cases` and `api`."""

__all__ = ["api", "cases"]
