"""The product's URLs and the framework floor the screen-pop benchmark compares against.

`POST /api/v1/floor/<n>` runs as the CTI view runs — Django's handler and middleware, DRF with the
same API-key authentication, scope check, throttle and JSON parser, under the same /api/v1/
prefix — then sends the parsed body to relay group <n>, as the product rings an agent.
What it leaves out is only the product's own work: validation against the database, storing,
routing and the customer-360. Its latency is the least any view on this stack could take.
"""

import json

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from bench.relay_asgi import relay_group
from console.urls import urlpatterns as product_urlpatterns


class FloorRelay(APIView):
    required_scope = "cti"

    def post(self, request, listener: int):
        async_to_sync(get_channel_layer().group_send)(
            relay_group(listener), {"type": "relay.message", "text": json.dumps(request.data)}
        )
        return Response({"relayed": True}, status=202)


urlpatterns = [
    path("api/v1/floor/<int:listener>", FloorRelay.as_view()),
    *product_urlpatterns,
]
