"""A supervisor joining an agent's call through the platform the call came by: each connector
says what its platform is asked to do for a monitor, a whisper or a barge (`join_request`), or
that it cannot (None); a call from a platform without such a thing (the CTI push, our own CTI
events) or no call at all (the agent asked for help between calls) is a join recorded only.
The join itself, its audit and the help sign's answer are supervision's
(console.supervision.call_joins).
"""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from console.agents.help_sign import agent_current_call
from console.agents.models import Agent
from console.supervision.call_joins import CallJoinError, PlatformJoin, start_call_join
from console.supervision.models import CallJoin
from console.telephony import asterisk, connect, taskrouter
from console.telephony.models import Platform
from console.telephony.recording import platform_id_of

# Each platform's source prefix (contact.source) and its connector.
CONNECTORS = {
    "amazon-connect:": (Platform.AMAZON_CONNECT, connect.join_request),
    "taskrouter:": (Platform.TASKROUTER, taskrouter.join_request),
    "asterisk:": (Platform.ASTERISK, asterisk.join_request),
}


def platform_join(*, contact, mode: str, supervisor) -> PlatformJoin:
    """What the call's platform is asked to do, if it can."""
    if contact is None:
        return PlatformJoin()
    for prefix, (platform, join_request) in CONNECTORS.items():
        if contact.source.startswith(prefix):
            request = join_request(
                contact=contact,
                mode=mode,
                supervisor_id=platform_id_of(platform=platform, user=supervisor),
                agent_id=platform_id_of(platform=platform, user=contact.agent),
            )
            return PlatformJoin(platform=platform, request=request)
    return PlatformJoin()


@transaction.atomic
def join_agent_call(*, supervisor, agent_username: str, mode: str) -> CallJoin:
    agent = Agent.objects.select_related("user").filter(user__username=agent_username).first()
    if agent is None:
        raise CallJoinError(_("No such agent."))
    contact = agent_current_call(agent=agent)
    return start_call_join(
        supervisor=supervisor,
        agent=agent,
        contact=contact,
        mode=mode,
        platform_join=platform_join(contact=contact, mode=mode, supervisor=supervisor),
    )
