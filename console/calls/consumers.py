"""The agent's live channel: screen pops, call states and agent states, each with a per-agent
`seq`; `resume` replays what a reconnecting browser missed; `set_state` changes the agent's state;
`help_sign` raises or lowers the agent's help sign (console.agents.help_sign).
A message it cannot take (not JSON, binary, an odd value) is answered with an error, in the
agent's language, and the socket stays open.

The socket is the agent's presence: opening and closing it is counted (console.agents.presence),
and the last one to close sets a timer for just past the grace, so an agent who does not come back
is sent away even on the embedded default, where no Celery beat runs.
"""

import asyncio
import time

from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import (
    get_supported_language_variant,
    parse_accept_lang_header,
)

from console.agents.help_sign import lower_help_sign, raise_help_sign
from console.agents.models import Agent
from console.agents.presence import (
    AgentStateError,
    may_take_calls,
    socket_closed,
)
from console.calls.events import choose_agent_state, console_opened, send_absent_agents_away
from console.calls.screen import replay_to_agent
from console.realtime import JsonFramesConsumer, agent_group

# Close codes sent before accepting: the browser sees the socket refused.
CLOSE_NOT_SIGNED_IN = 4401
CLOSE_NOT_AN_AGENT = 4403
# A push is forwarded only while the session is still good; checked at most this often on pushes
# (on every command always), so a screen pop costs no extra query in the common case. Logout,
# deactivation and a lost role close the socket at once besides (console.agents.presence).
PUSH_RECHECK_S = 1.0


@database_sync_to_async
def _agent_for(user) -> tuple[int, int] | None:
    if not user.is_active or not user.has_perm("console.use_agent_console"):
        return None
    agent = Agent.objects.filter(user=user).values_list("pk", "last_seq").first()
    return agent


@database_sync_to_async
def _current_seq(agent_id: int) -> int:
    return Agent.objects.filter(pk=agent_id).values_list("last_seq", flat=True).get()


@database_sync_to_async
def _still_allowed(user_id: int, session) -> bool:
    """Channels never tells a consumer that its session ended (channels#1324): the session must
    still exist, and its person still be an active agent."""
    if session is None or not session.exists(session.session_key):
        return False
    user = get_user_model().objects.filter(pk=user_id).first()
    return bool(user and may_take_calls(user) and Agent.objects.filter(user=user).exists())


def _language(scope) -> str:
    """The page's language: the language menu's cookie, else the browser's Accept-Language, as
    Django's LocaleMiddleware picks it for the page itself."""
    wanted = [scope.get("cookies", {}).get(settings.LANGUAGE_COOKIE_NAME, "")]
    for name, value in scope.get("headers", []):
        if name == b"accept-language":
            header = value.decode("latin-1")
            wanted += [code for code, _quality in parse_accept_lang_header(header)]
    for code in wanted:
        try:
            return get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


async def _send_away_after_grace() -> None:
    await asyncio.sleep(settings.AGENT_PRESENCE_GRACE_SECONDS + 0.5)
    await database_sync_to_async(send_absent_agents_away)()


class AgentConsumer(JsonFramesConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_NOT_SIGNED_IN)
            return
        found = await _agent_for(user)
        if found is None:
            await self.close(code=CLOSE_NOT_AN_AGENT)
            return
        self.agent_id, self.last_sent = found
        self.checked_at = time.monotonic()
        self.language = _language(self.scope)
        if await self.join_group_and_accept(agent_group(self.agent_id)):
            await database_sync_to_async(console_opened)(agent_id=self.agent_id)

    async def disconnect(self, code) -> None:
        counted = hasattr(self, "group")
        await super().disconnect(code)
        if counted:
            await database_sync_to_async(socket_closed)(agent_id=self.agent_id)
            asyncio.get_running_loop().create_task(_send_away_after_grace())

    async def _session_ended(self) -> bool:
        """Check the session again; when it ended, close the socket and say so."""
        self.checked_at = time.monotonic()
        if await _still_allowed(self.scope["user"].pk, self.scope.get("session")):
            return False
        await self.close(code=CLOSE_NOT_SIGNED_IN)
        return True

    async def receive_json(self, content, **kwargs) -> None:
        if await self._session_ended():
            return
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "resume":
            await self.resume(content.get("last_seq"))
        elif kind == "set_state":
            await self.set_state(content.get("state"))
        elif kind == "help_sign":
            await self.help_sign(content.get("raised"))
        else:
            await self.refuse(_("Unknown message type %(type)r.") % {"type": kind})

    async def receive(self, text_data=None, bytes_data=None, **kwargs) -> None:
        # Every answer in the page's language (a lazy message is translated when sent).
        with translation.override(getattr(self, "language", settings.LANGUAGE_CODE)):
            await super().receive(text_data, bytes_data, **kwargs)

    async def resume(self, last_seq) -> None:
        # JSON's true is Python's 1, and a last_seq past the agent's own would make the socket
        # skip every message until the count caught up: both are refused.
        if type(last_seq) is not int or last_seq < 0:
            await self.refuse(_("resume needs last_seq, a whole number >= 0."))
            return
        current = await _current_seq(self.agent_id)
        if last_seq > current:
            await self.refuse(
                _("resume needs last_seq <= %(current)d, the last message sent.")
                % {"current": current}
            )
            return
        self.last_sent = last_seq
        await self._send_stored_after(last_seq)

    async def set_state(self, state) -> None:
        if not isinstance(state, str):
            await self.refuse(_("set_state needs a state, as text."))
            return
        try:
            await database_sync_to_async(choose_agent_state)(agent_id=self.agent_id, state=state)
        except AgentStateError as error:
            await self.refuse(str(error))

    async def help_sign(self, raised) -> None:
        if type(raised) is not bool:
            await self.refuse(_("help_sign needs raised, true or false."))
            return
        change = raise_help_sign if raised else lower_help_sign
        agent = await database_sync_to_async(Agent.objects.select_related("user").get)(
            pk=self.agent_id
        )
        await database_sync_to_async(change)(agent=agent)

    async def agent_message(self, event) -> None:
        """The bell from the channel layer. A gap means a message was dropped on the way: fetch
        it from storage; a repeat (already sent by a resume) is skipped."""
        message = event["message"]
        if message["seq"] <= self.last_sent:
            return
        if time.monotonic() - self.checked_at >= PUSH_RECHECK_S and await self._session_ended():
            return
        if message["seq"] > self.last_sent + 1:
            await self._send_stored_after(self.last_sent)
            return
        await self.send_json(message)
        self.last_sent = message["seq"]

    async def group_rejoined(self, event) -> None:
        """Bells rung while Redis had forgotten this socket went to nobody: send what was
        stored meanwhile."""
        await self._send_stored_after(self.last_sent)

    async def agent_signed_out(self, event) -> None:
        await self.close(code=CLOSE_NOT_SIGNED_IN)

    async def _send_stored_after(self, seq: int) -> None:
        for message in await database_sync_to_async(replay_to_agent)(
            agent_id=self.agent_id, viewer_id=self.scope["user"].pk, after_seq=seq
        ):
            await self.send_json(message)
            self.last_sent = message["seq"]
