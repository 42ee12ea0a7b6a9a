"""Customer records for people and systems: search, one customer's page and its timeline, the
customer-360 API, undoing a merge, the steward's review queue, unresolved ATM incidents and the
audit log page.

May import: console.calls (`screen`), console.service_desk (`cases`), console.audit,
console.integrations, the rooms below. Other packages use `pages` and `api` (URLs only)."""

__all__ = ["api", "pages"]
