"""The Django side: a page that opens the tschannels WebSocket, and a view that sends to it."""

import os

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib.auth.decorators import login_required, permission_required
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST


@login_required
def home(request):
    return render(request, "home.html", {"realtime_port": os.environ.get("REALTIME_PORT", "8001")})


@require_POST
@permission_required("auth.view_user", raise_exception=True)
def announce(request):
    """Sends to every browser connected to tschannels, through the shared Redis channel layer."""
    text = request.POST.get("text", "")
    async_to_sync(get_channel_layer().group_send)(
        "announcements", {"type": "announcement", "text": text, "by": request.user.get_username()}
    )
    return JsonResponse({"sent": text})
