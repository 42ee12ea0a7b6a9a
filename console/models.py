"""The console app's models, each defined in the package of the capability that owns it; Django
finds an app's models through this module, so it imports them all and nothing imports them from
here."""

from console.agents.models import Agent, AgentMessage, AgentStateChange, HelpRequest
from console.audit.models import SignInLockout, ViewAlert, ViewAudit
from console.follow_ups.models import (
    ChannelConsent,
    FollowUp,
    FollowUpRule,
    MessageTemplate,
    Survey,
)
from console.integrations.models import (
    ApiClient,
    IdempotencyKey,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from console.supervision.models import (
    CallJoin,
    DailyContactRollup,
    HourlyContactRollup,
    LiveContactFigures,
    LiveQueueFigures,
    RolledUpDay,
    Supervision,
)
from console.telephony.models import ConnectContactRecord, PlatformAgent, PlatformQueue

__all__ = [
    "Agent",
    "AgentMessage",
    "AgentStateChange",
    "ApiClient",
    "CallJoin",
    "ChannelConsent",
    "ConnectContactRecord",
    "DailyContactRollup",
    "FollowUp",
    "FollowUpRule",
    "HelpRequest",
    "HourlyContactRollup",
    "IdempotencyKey",
    "LiveContactFigures",
    "LiveQueueFigures",
    "MessageTemplate",
    "PlatformAgent",
    "PlatformQueue",
    "RolledUpDay",
    "SignInLockout",
    "Supervision",
    "Survey",
    "ViewAlert",
    "ViewAudit",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookSubscription",
]
