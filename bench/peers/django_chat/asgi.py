"""The ASGI application Daphne serves: ``/ws/chat/<room>/`` only."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")

import django  # noqa: E402

django.setup()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import re_path  # noqa: E402

from consumers import ChatConsumer  # noqa: E402

application = ProtocolTypeRouter(
    {"websocket": URLRouter([re_path(r"^ws/chat/(?P<room>[A-Za-z0-9_-]{1,64})/$", ChatConsumer.as_asgi())])}
)
