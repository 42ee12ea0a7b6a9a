"""What every connector shares: the platforms' queue and agent ids looked up in the admin's
mappings, and a platform's translated events recorded through the one call-event pipeline, all
of one request in one transaction (so a refused request stores nothing)."""

from dataclasses import dataclass

from django.db import transaction

from console.agents.models import Agent
from console.calls.events import handle_call_event
from console.telephony.models import PlatformAgent, PlatformQueue
from contacts.call_events import CallEventInput
from contacts.models import Queue


class TranslationError(Exception):
    """A platform's payload that cannot become call events: `fields` says which part and why,
    in the API's error format (path → messages)."""

    def __init__(self, fields: dict[str, list[str]]) -> None:
        super().__init__(fields)
        self.fields = fields


@dataclass(frozen=True)
class Recorded:
    """How many of the translated events were new, and how many had been recorded before."""

    recorded: int = 0
    duplicates: int = 0

    def __add__(self, other: "Recorded") -> "Recorded":
        return Recorded(self.recorded + other.recorded, self.duplicates + other.duplicates)

    def as_json(self) -> dict:
        return {"recorded": self.recorded, "duplicates": self.duplicates}


def mapped_queue(*, platform: str, external_id: str, field: str, by_name: bool = False) -> str:
    """Our queue's name for a platform's queue id; `by_name`: a queue of ours with that very name
    serves when no mapping says otherwise (Asterisk and the CTI push name queues freely)."""
    if not external_id:
        return ""
    mapping = (
        PlatformQueue.objects.filter(platform=platform, external_id=external_id)
        .values_list("queue__name", flat=True)
        .first()
    )
    if mapping:
        return mapping
    if by_name and Queue.objects.filter(name=external_id).exists():
        return external_id
    raise TranslationError({field: [f"No queue is mapped to '{external_id}'."]})


def mapped_agent(*, platform: str, external_id: str, field: str, by_name: bool = False) -> str:
    """Our agent's username for a platform's agent id; `by_name` as for queues."""
    if not external_id:
        return ""
    mapping = (
        PlatformAgent.objects.filter(platform=platform, external_id=external_id)
        .values_list("agent__user__username", flat=True)
        .first()
    )
    if mapping:
        return mapping
    if by_name and Agent.objects.filter(user__username=external_id).exists():
        return external_id
    raise TranslationError({field: [f"No agent is mapped to '{external_id}'."]})


@transaction.atomic
def record_platform_events(
    *, source: str, events: list[CallEventInput], platform_routes: bool = True
) -> Recorded:
    """The events in the order given (a connector puts a leg's opening before its end), each
    stored once per (source, event_id) by the pipeline: a platform's retry changes nothing."""
    recorded = duplicates = 0
    for event in events:
        outcome = handle_call_event(source=source, event=event, platform_routes=platform_routes)
        if outcome.duplicate:
            duplicates += 1
        else:
            recorded += 1
    return Recorded(recorded=recorded, duplicates=duplicates)


def platform_id_of(*, platform: str, user) -> str:
    """A person's id on a platform (a supervisor's or agent's, for a join): the admin's
    mapping of their agent profile, else their user name, as the platforms name people freely."""
    mapping = (
        PlatformAgent.objects.filter(platform=platform, agent__user=user)
        .values_list("external_id", flat=True)
        .first()
    )
    return mapping or user.get_username()
