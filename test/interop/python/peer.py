"""The Python side of the cross-language tests: a channels_redis peer.

Run with Debian's /usr/bin/python3 (python3-channels-redis 4.0.0). Each
sub-command does one thing and prints one JSON object per line on stdout:
``{"ready": ...}`` once it is listening, then one ``{"message": ...}`` per
message received. Bytes travel as ``{"$bytes": "<hex>"}``, and ints that a
JSON reader in JS would round (beyond 2**53) as ``{"$int": "<digits>"}``. Everything is
bounded by --timeout so a broken test never leaves a process behind.

channels_redis 4.0.0's pub/sub layer has no encryption; with --keys, the
pub/sub layer here encrypts as channels_redis 4.2+ does (a Fernet token of
the msgpack bytes, no random prefix, no time limit), so the test covers
the format newer Python releases speak.
"""

import argparse
import asyncio
import base64
import hashlib
import json
import sys

import msgpack
from channels_redis.core import RedisChannelLayer
from channels_redis.pubsub import RedisPubSubChannelLayer


def make_layer(args):
    keys = args.keys.split(",") if args.keys else None
    if args.layer == "core":
        return RedisChannelLayer(
            hosts=args.hosts.split(","),
            prefix=args.prefix,
            symmetric_encryption_keys=keys,
            capacity=args.capacity,
        )
    layer = RedisPubSubChannelLayer(hosts=args.hosts.split(","), prefix=args.prefix)
    if keys:
        from cryptography.fernet import Fernet, MultiFernet

        crypter = MultiFernet(
            [Fernet(base64.urlsafe_b64encode(hashlib.sha256(k.encode()).digest())) for k in keys]
        )
        layer.serialize = lambda message: crypter.encrypt(msgpack.packb(message))
        layer.deserialize = lambda data: msgpack.unpackb(crypter.decrypt(data))
    return layer


def to_json(value):
    if isinstance(value, bytes):
        return {"$bytes": value.hex()}
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**53:
        return {"$int": str(value)}
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    return value


def from_json(value):
    if isinstance(value, dict):
        if set(value) == {"$bytes"}:
            return bytes.fromhex(value["$bytes"])
        return {k: from_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_json(v) for v in value]
    return value


def emit(**fields):
    sys.stdout.write(json.dumps(to_json(fields)) + "\n")
    sys.stdout.flush()


async def run(args):
    layer = make_layer(args)
    if args.command == "send":
        for message in json.loads(args.messages):
            await layer.send(args.channel, from_json(message))
        emit(done=True)
    elif args.command == "group-send":
        for message in json.loads(args.messages):
            await layer.group_send(args.group, from_json(message))
        emit(done=True)
    elif args.command in ("receive-group", "receive-new", "receive-named"):
        if args.command == "receive-named":
            channel = args.channel
            if args.layer == "pubsub":
                # Subscribe before saying ready, or a message sent right after is lost.
                await layer._get_layer()._subscribe_to_channel(channel)
        else:
            channel = await layer.new_channel()
        if args.command == "receive-group":
            await layer.group_add(args.group, channel)
        emit(ready=channel)
        for _ in range(args.expect):
            emit(message=await layer.receive(channel))
    if args.layer == "core":
        await layer.close_pools()
    else:
        await layer.flush()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["send", "group-send", "receive-group", "receive-new", "receive-named"])
    parser.add_argument("--layer", choices=["core", "pubsub"], required=True)
    parser.add_argument("--hosts", required=True)
    parser.add_argument("--prefix", default="asgi")
    parser.add_argument("--keys", default="")
    parser.add_argument("--capacity", type=int, default=100)
    parser.add_argument("--channel")
    parser.add_argument("--group")
    parser.add_argument("--messages", default="[]")
    parser.add_argument("--expect", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=10)
    args = parser.parse_args()
    try:
        asyncio.run(asyncio.wait_for(run(args), args.timeout))
    except asyncio.TimeoutError:
        emit(error="timeout")
        sys.exit(2)


if __name__ == "__main__":
    main()
