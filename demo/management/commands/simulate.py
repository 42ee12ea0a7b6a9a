from django.core.management.base import BaseCommand, CommandError

from console.integrations.clients import reissue_api_client
from customers.models import Customer
from demo.simulation import TelephonyClient, simulate_calls, wait_until_serving


class Command(BaseCommand):
    help = "Drive the running server through its public API as a telephony system would."

    def add_arguments(self, parser):
        parser.add_argument("--calls-per-minute", type=float, default=6)
        parser.add_argument("--minutes", type=float, default=60)
        parser.add_argument("--url", default="http://127.0.0.1:8000")
        parser.add_argument("--key", help="a key with the cti scope (default: a new client)")
        parser.add_argument("--speed", type=float, default=1.0, help="2 = calls twice as short")
        parser.add_argument("--seed", type=int)

    def handle(self, *args, **options):
        if not wait_until_serving(options["url"]):
            raise CommandError(f"No server answers at {options['url']}.")
        key = options["key"] or reissue_api_client(name="simulator", scopes=["cti"]).key
        callers = [
            phones[0]
            for phones in Customer.objects.filter(merged_into__isnull=True)
            .exclude(phones=[])
            .values_list("phones", flat=True)[:2000]
        ]
        self.stdout.write(
            f"Simulating {options['calls_per_minute']} calls a minute for {options['minutes']} "
            f"minutes against {options['url']} ({len(callers)} known callers)."
        )
        started = simulate_calls(
            client=TelephonyClient(base_url=options["url"], key=key),
            callers=callers,
            calls_per_minute=options["calls_per_minute"],
            minutes=options["minutes"],
            speed=options["speed"],
            seed=options["seed"],
        )
        self.stdout.write(f"Offered {started} calls.")
