"""The chat consumer, as the Channels tutorial writes it: join the room's
group on connect, ``group_send`` each message, and let every member's
``chat_message`` handler encode and send its own copy."""

import itertools
import time

from channels.generic.websocket import AsyncJsonWebsocketConsumer

_ids = itertools.count(1)


class ChatConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        self.group = "room." + self.scope["url_route"]["kwargs"]["room"]
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        data = content.get("data") if isinstance(content, dict) else None
        if content.get("action") != "message" or not isinstance(data, dict) or not isinstance(data.get("text"), str):
            return
        now = time.time()
        message = {**data, "id": next(_ids), "text": data["text"].strip(), "username": "anon"}
        message.update(uid=self.channel_name, time=now)
        await self.channel_layer.group_send(self.group, {"type": "chat.message", "data": message, "time": now})

    async def chat_message(self, event):
        await self.send_json({"action": "message", "data": event["data"], "time": event["time"]})
