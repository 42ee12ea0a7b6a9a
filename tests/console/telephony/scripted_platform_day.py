"""The scripted day (tests/console/scripted_day.py) as each platform would send it, shuffled and
with repeats, and the figures of every leg, to compare with the same day sent as native events.

The platforms route calls themselves, so the one moment the console routes in the native day
(c4's transfer to the atm queue, which agent101 takes) names agent101 here.
"""

import random
from dataclasses import dataclass

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from console.agents.models import Agent
from console.asgi import application
from console.telephony.models import PlatformAgent, PlatformQueue
from contacts.models import Contact, Queue
from contacts.notes import add_note
from demo.telephony_formats import Post, form_body, platform_mappings
from tests.console.scripted_day import SCRIPT
from tests.console.test_call_flow import agent_socket_headers, next_of_type

AGENTS = ["agent001", "agent002", "agent101"]
QUEUES = ["loans", "repayment", "atm", "cards"]
# Customer A's morning call to the loans queue, offered to agent001.
C1_OFFERED = next(m for m in SCRIPT if (m["call_id"], m["type"]) == ("c1", "offered"))


def routed_script(*, without: tuple[str, ...] = ()) -> list[dict]:
    moments = []
    for moment in SCRIPT:
        if moment["call_id"] in without:
            continue
        if moment["type"] == "transferred":
            moment = {**moment, "target_agent": "agent101"}
        moments.append(moment)
    return moments


def map_platform_ids() -> None:
    """The admin's mappings for the demo's Connect ARNs and TaskRouter SIDs."""
    for platform, kind, external_id, ours in platform_mappings(queues=QUEUES, agents=AGENTS):
        if kind == "queue":
            PlatformQueue.objects.get_or_create(
                platform=platform, external_id=external_id, queue=Queue.objects.get(name=ours)
            )
        else:
            PlatformAgent.objects.get_or_create(
                platform=platform,
                external_id=external_id,
                agent=Agent.objects.get(user__username=ours),
            )


def posts_for(writer, moments: list[dict]) -> list[Post]:
    return [post for moment in moments for post in writer.posts(moment)]


def shuffled_with_repeats(posts: list[Post], *, seed: int = 7) -> list[Post]:
    """Every post once in a random order, and a third of them again (at-least-once delivery)."""
    rng = random.Random(seed)
    sent = [*posts, *rng.sample(posts, len(posts) // 3)]
    rng.shuffle(sent)
    return sent


def send(api, post: Post):
    headers = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in post.headers.items()}
    if post.form:
        return api.post(
            post.path,
            form_body(post.body),
            content_type="application/x-www-form-urlencoded",
            **headers,
        )
    return api.post(post.path, post.body, format="json", **headers)


@dataclass(frozen=True)
class LegFigures:
    state: str
    queue: str | None
    agent: str | None
    customer_id: object
    offered_at: object
    answered_at: object
    ended_at: object
    wrapped_up_at: object
    hold_seconds: float
    talk_seconds: float | None
    after_call_work_seconds: float | None
    handle_seconds: float | None


def leg_figures(*, source: str, call_ids: dict[str, str]) -> dict[tuple[str, int], LegFigures]:
    """Every leg of the given calls (our call id → the script's), keyed by the script's call id."""
    figures = {}
    contacts = Contact.objects.filter(source=source, call_id__in=call_ids).select_related(
        "queue", "agent"
    )
    for contact in contacts:
        figures[(call_ids[contact.call_id], contact.leg)] = LegFigures(
            state=contact.state,
            queue=contact.queue.name if contact.queue else None,
            agent=contact.agent.get_username() if contact.agent else None,
            customer_id=contact.customer_id,
            offered_at=contact.offered_at,
            answered_at=contact.answered_at,
            ended_at=contact.ended_at,
            wrapped_up_at=contact.wrapped_up_at,
            hold_seconds=contact.hold_seconds,
            talk_seconds=contact.talk_seconds,
            after_call_work_seconds=contact.after_call_work_seconds,
            handle_seconds=contact.handle_seconds,
        )
    return figures


async def check_the_transfer_carries_the_notes(
    *, writer, api, accepted: int, shuffle_second_leg: bool = True
) -> None:
    """Customer B's call c4 through a platform: its first agent gets the pop and writes a note,
    the transfer's agent gets the pop with the first leg's note. Each half is repeated, and
    shuffled unless `shuffle_second_leg` is off: where a platform reports each leg's end on its
    own, a shuffle can deliver the second agent's end before their offer, and a leg already over
    gets no pop. `accepted` is the platform endpoint's answer to a good post."""
    sockets = {}
    for username in ("agent002", "agent101"):
        agent = await database_sync_to_async(Agent.objects.get)(user__username=username)
        sockets[username] = WebsocketCommunicator(
            application, "/ws/agent/", headers=await agent_socket_headers(agent)
        )
        assert (await sockets[username].connect())[0]
    c4 = [m for m in routed_script() if m["call_id"] == "c4"]
    transfer = next(i for i, m in enumerate(c4) if m["type"] == "transferred")
    first_leg = posts_for(writer, c4[:transfer])
    rest = posts_for(writer, c4[transfer:])
    post = database_sync_to_async(send)

    for each in shuffled_with_repeats(first_leg, seed=3):
        assert (await post(api, each)).status_code == accepted
    pop = await next_of_type(sockets["agent002"], "screen_pop")
    first = await database_sync_to_async(Contact.objects.get)(pk=pop["contact"]["id"])
    author = await database_sync_to_async(lambda: first.agent)()
    note = "返済相談、ATM で入金不一致"
    await database_sync_to_async(add_note)(contact=first, author=author, text=note)
    second_leg = shuffled_with_repeats(rest, seed=4) if shuffle_second_leg else rest + rest
    for each in second_leg:
        assert (await post(api, each)).status_code == accepted
    second = await next_of_type(sockets["agent101"], "screen_pop")

    assert pop["customer"]["name"] == "佐藤 花子"
    assert second["customer"]["name"] == "佐藤 花子"
    assert second["contact"]["call_id"] == writer.call_id("c4")
    (earlier,) = second["transfer"]["from_contacts"]
    assert earlier["agent"] == "agent002"
    assert [n["text"] for n in earlier["notes"]] == [note]
    for socket in sockets.values():
        await socket.disconnect()
