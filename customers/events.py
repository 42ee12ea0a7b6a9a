"""What the customers room tells the rooms above it, without importing them: they connect to
these signals (the console turns them into webhooks)."""

from django.dispatch import Signal

# Sent on commit with survivor_id, absorbed_id, decision_id.
customers_merged = Signal()
customers_unmerged = Signal()

# Sent while answering a request that shows customers' personal data, with request (who asks),
# customer_ids, reason and listed (in a list of results rather than opened one by one); the
# console writes each showing to its access log.
customers_shown = Signal()

# Sent on commit with customer_ids: their kept customer-360 documents were marked stale
# (customers.documents), so the console can build them again before the next screen pop.
documents_stale = Signal()
