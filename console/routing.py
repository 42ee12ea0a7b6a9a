"""The websockets: the agent's live channel and the supervisors' wallboard."""

from django.urls import path

from console.calls.consumers import AgentConsumer
from console.supervision.consumers import SupervisorConsumer

websocket_urlpatterns = [
    path("ws/agent/", AgentConsumer.as_asgi()),
    path("ws/supervisor/", SupervisorConsumer.as_asgi()),
]
