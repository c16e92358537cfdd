"""Settings of the Django Channels peer: the group chat on Daphne.

BENCH_LAYER picks the channel layer: ``memory`` (channels' InMemoryChannelLayer)
or ``redis`` (channels_redis' RedisChannelLayer at REDIS_URL). No database, no
middleware: only what the chat socket needs.
"""

import os

SECRET_KEY = "bench-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = ["channels"]
ASGI_APPLICATION = "asgi.application"
USE_TZ = True
LOGGING_CONFIG = None

_REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379")
_LAYERS = {
    "memory": {"BACKEND": "channels.layers.InMemoryChannelLayer", "CONFIG": {"capacity": 1000}},
    "redis": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [_REDIS_URL], "capacity": 1000},
    },
    "redis-pubsub": {
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {"hosts": [_REDIS_URL]},
    },
}
CHANNEL_LAYERS = {"default": _LAYERS[os.environ.get("BENCH_LAYER", "memory")]}
