"""Build the kept customer-360 documents that wait to be built, or were never: `manage.py
build_customer_documents` for every current customer (after loading customers with SQL, or to
warm a new installation), `--customers ID ...` for some. Safe to run again and beside the
product: a document a write changes meanwhile is left for its next reader."""

from django.core.management.base import BaseCommand

from console.calls.screen import BUILD_BATCH, build_stale_documents
from customers.queries import live_customers


class Command(BaseCommand):
    help = "Build the customer-360 documents that wait to be built."

    def add_arguments(self, parser):
        parser.add_argument("--customers", nargs="*", default=None, help="customer ids")

    def handle(self, *args, customers: list[str] | None, **options):
        if customers is not None:
            kept = build_stale_documents(customer_ids=customers)
        else:
            kept, after = 0, None
            while True:
                page = live_customers().order_by("pk")
                if after is not None:
                    page = page.filter(pk__gt=after)
                ids = list(page.values_list("pk", flat=True)[: BUILD_BATCH * 10])
                if not ids:
                    break
                kept += build_stale_documents(customer_ids=ids)
                after = ids[-1]
                self.stderr.write(f"{kept} documents built (up to {after})")
        self.stdout.write(f"{kept} documents built")
