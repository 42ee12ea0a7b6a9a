"""The console app's models, each defined in the package of the capability that owns it; Django
finds an app's models through this module, so it imports them all and nothing imports them from
here."""

from console.agents.models import Agent, AgentMessage, AgentStateChange
from console.audit.models import SignInLockout, ViewAlert, ViewAudit
from console.integrations.models import (
    ApiClient,
    IdempotencyKey,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from console.supervision.models import (
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
    "ConnectContactRecord",
    "DailyContactRollup",
    "HourlyContactRollup",
    "IdempotencyKey",
    "LiveContactFigures",
    "LiveQueueFigures",
    "PlatformAgent",
    "PlatformQueue",
    "RolledUpDay",
    "SignInLockout",
    "Supervision",
    "ViewAlert",
    "ViewAudit",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookSubscription",
]
