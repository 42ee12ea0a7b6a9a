"""What the customers room tells the rooms above it, without importing them: they connect to
these signals (the console turns them into webhooks)."""

from django.dispatch import Signal

# Sent on commit with survivor_id, absorbed_id, decision_id.
customers_merged = Signal()
customers_unmerged = Signal()
