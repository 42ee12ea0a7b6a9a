import threading
from contextlib import contextmanager

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from console.agents.models import Agent, AgentState
from console.agents.presence import change_agent_state
from console.integrations.clients import reissue_api_client
from console.telephony.models import PlatformAgent, PlatformQueue
from contacts.models import Queue
from customers.models import Customer
from demo.simulation import (
    AgentRoster,
    InteractionsClient,
    PlatformTelephonyClient,
    TelephonyClient,
    simulate_calls,
    simulate_interactions,
    wait_until_serving,
)
from demo.telephony_formats import (
    ConnectWriter,
    CtiPushWriter,
    TaskRouterWriter,
    platform_mappings,
)

FORMATS = ["native", "connect", "twilio", "cti-push"]


def map_demo_ids(*, agents: list[Agent], queues: list[Queue]) -> None:
    """The admin's mappings for the simulated platforms' ARNs and SIDs (made once, kept)."""
    by_name = {agent.user.get_username(): agent for agent in agents}
    queue_by_name = {queue.name: queue for queue in queues}
    for platform, kind, external_id, ours in platform_mappings(
        queues=list(queue_by_name), agents=list(by_name)
    ):
        if kind == "queue":
            PlatformQueue.objects.get_or_create(
                platform=platform, external_id=external_id, defaults={"queue": queue_by_name[ours]}
            )
        else:
            PlatformAgent.objects.get_or_create(
                platform=platform, external_id=external_id, defaults={"agent": by_name[ours]}
            )


@contextmanager
def simulated_agents_at_work(*, people: set[str]):
    """Every agent but the people's is set available for the run (the console then routes to
    them as to anyone) and offline after it; yields their user names."""
    simulated = list(
        Agent.objects.select_related("user").exclude(user__username__in=people).order_by("pk")
    )
    for agent in simulated:
        change_agent_state(agent=agent, state=AgentState.AVAILABLE, reason="simulated agent")
    try:
        yield [agent.user.get_username() for agent in simulated]
    finally:
        for agent in Agent.objects.filter(pk__in=[agent.pk for agent in simulated]):
            change_agent_state(agent=agent, state=AgentState.OFFLINE, reason="simulated agent")


class Command(BaseCommand):
    help = "Drive the running server through its public API as a telephony system would."

    def add_arguments(self, parser):
        parser.add_argument("--calls-per-minute", type=float, default=6)
        parser.add_argument("--minutes", type=float, default=60)
        parser.add_argument("--url", default="http://127.0.0.1:8000")
        parser.add_argument("--key", help="a key with the cti scope (default: a new client)")
        parser.add_argument("--speed", type=float, default=1.0, help="2 = calls twice as short")
        parser.add_argument("--seed", type=int)
        parser.add_argument(
            "--people",
            default="agent001",
            help="agents a person plays, comma-separated (the others are simulated and kept busy)",
        )
        parser.add_argument(
            "--interactions-per-minute",
            type=float,
            default=2,
            help="app and web touchpoints posted beside the calls (0: none)",
        )
        parser.add_argument(
            "--format",
            choices=FORMATS,
            default="native",
            help="post as the native API (the console routes) or as a platform that routes",
        )

    def handle(self, *args, **options):
        if not wait_until_serving(options["url"]):
            raise CommandError(f"No server answers at {options['url']}.")
        key = (
            options["key"]
            or reissue_api_client(name="simulator", scopes=["cti", "interactions"]).key
        )
        callers = [
            phones[0]
            for phones in Customer.objects.filter(merged_into__isnull=True)
            .exclude(phones=[])
            .values_list("phones", flat=True)[:2000]
        ]
        self.stdout.write(
            f"Simulating {options['calls_per_minute']} calls a minute for {options['minutes']} "
            f"minutes against {options['url']} ({len(callers)} known callers, "
            f"{options['format']} format)."
        )
        numbers = list(
            Customer.objects.filter(merged_into__isnull=True)
            .exclude(customer_number="")
            .values_list("customer_number", flat=True)[:2000]
        )
        touchpoints = []
        beside = threading.Thread(
            target=lambda: touchpoints.append(
                simulate_interactions(
                    client=InteractionsClient(base_url=options["url"], key=key),
                    customer_numbers=numbers,
                    per_minute=options["interactions_per_minute"],
                    minutes=options["minutes"],
                    seed=options["seed"],
                )
            ),
            daemon=True,
        )
        beside.start()
        people = {name.strip() for name in options["people"].split(",") if name.strip()}
        with simulated_agents_at_work(people=people) as simulated:
            self.stdout.write(
                f"{len(simulated)} simulated agents at work; played by people: "
                f"{', '.join(sorted(people)) or 'none'}."
            )
            started = simulate_calls(
                client=self.client(options["format"], url=options["url"], key=key),
                callers=callers,
                calls_per_minute=options["calls_per_minute"],
                minutes=options["minutes"],
                speed=options["speed"],
                seed=options["seed"],
                people=frozenset(people),
            )
        beside.join()
        self.stdout.write(
            f"Offered {started} calls; posted {sum(touchpoints)} app and web touchpoints."
        )

    def client(self, format_: str, *, url: str, key: str):
        if format_ == "native":
            return TelephonyClient(base_url=url, key=key)
        if format_ == "twilio" and not settings.TWILIO_AUTH_TOKEN:
            raise CommandError("Set TWILIO_AUTH_TOKEN (the server's too) to sign as Twilio.")
        agents = list(Agent.objects.select_related("user").order_by("state_since", "pk"))
        queues = list(Queue.objects.all())
        map_demo_ids(agents=agents, queues=queues)
        writer = {
            "connect": ConnectWriter,
            "cti-push": CtiPushWriter,
            "twilio": lambda: TaskRouterWriter(auth_token=settings.TWILIO_AUTH_TOKEN, base_url=url),
        }[format_]()
        by_desk: dict[str, list[str]] = {}
        for agent in agents:
            by_desk.setdefault(agent.desk, []).append(agent.user.get_username())
        roster = AgentRoster(
            agents_by_desk=by_desk, queue_desks={queue.name: queue.desk for queue in queues}
        )
        return PlatformTelephonyClient(base_url=url, key=key, writer=writer, roster=roster)
