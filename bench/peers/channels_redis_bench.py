"""The Python side of `npm run bench:layers`: the same scenarios on channels_redis.

Run with Debian's /usr/bin/python3 (python3-channels-redis). Mirrors
bench/layers.ts step for step: set up, an untimed warm-up phase, then a timed
phase in which work is started until the deadline; a final "bench.stop"
message ends every loop, and the clock stops when the last member has
received everything (every member must receive every message). Prints one
JSON object: {"rates": [per-repeat rate, ...]} in operations per second,
where an operation is a round trip (roundtrip) or one delivery to one
member (group).
"""

import argparse
import asyncio
import json
import time
import uuid

from channels_redis.core import RedisChannelLayer
from channels_redis.pubsub import RedisPubSubChannelLayer

STOP = {"type": "bench.stop"}
# A phase still running this long after its deadline is stuck: fail rather than hang.
STUCK_SECONDS = 60


def new_layer(args, prefix):
    if args.layer == "core":
        return RedisChannelLayer(hosts=[args.hosts], prefix=prefix, capacity=100000)
    return RedisPubSubChannelLayer(hosts=[args.hosts], prefix=prefix)


def data(kind):
    return {"type": kind, "text": "x" * 32}


async def timed(seconds, phase):
    """Runs phase(deadline) for `seconds`; returns (operations, seconds it took in all)."""
    started = time.perf_counter()
    ops = await asyncio.wait_for(phase(started + seconds), seconds + STUCK_SECONDS)
    return ops, time.perf_counter() - started


async def roundtrip(args):
    prefix = "bench" + uuid.uuid4().hex[:8]
    a, b = new_layer(args, prefix), new_layer(args, prefix)
    pairs = [(await a.new_channel(), await b.new_channel()) for _ in range(args.pairs)]
    message = data("bench.ping")

    async def ping(mine, theirs, deadline):
        n = 0
        while time.perf_counter() < deadline:
            await a.send(theirs, message)
            await a.receive(mine)
            n += 1
        await a.send(theirs, STOP)
        return n

    async def pong(mine, theirs):
        while (await b.receive(mine))["type"] != STOP["type"]:
            await b.send(theirs, message)
        return 0

    async def phase(deadline):
        counts = await asyncio.gather(
            *[ping(x, y, deadline) for x, y in pairs], *[pong(y, x) for x, y in pairs]
        )
        return sum(counts)

    await timed(args.warmup, phase)
    ops, elapsed = await timed(args.seconds, phase)
    for layer in (a, b):
        await layer.flush()
    return ops / elapsed


async def group(args):
    prefix = "bench" + uuid.uuid4().hex[:8]
    sender = new_layer(args, prefix)
    holders = [new_layer(args, prefix) for _ in range(args.split)]
    name = "bench-group"
    members = []
    for index in range(args.members):
        holder = holders[index % args.split]
        channel = await holder.new_channel()
        await holder.group_add(name, channel)
        members.append((holder, channel))
    message = data("bench.broadcast")

    async def member(holder, channel):
        n = 0
        while (await holder.receive(channel))["type"] != STOP["type"]:
            n += 1
        return n

    async def send_task(deadline):
        n = 0
        while time.perf_counter() < deadline:
            await sender.group_send(name, message)
            n += 1
        return n

    async def phase(deadline):
        receivers = [asyncio.ensure_future(member(h, c)) for h, c in members]
        sent = await asyncio.gather(*[send_task(deadline) for _ in range(args.in_flight)])
        await sender.group_send(name, STOP)
        total = sum(sent)
        received = await asyncio.gather(*receivers)
        if any(n != total for n in received):
            raise RuntimeError(f"a member missed messages: {received} of {total}")
        return args.members * total

    await timed(args.warmup, phase)
    ops, elapsed = await timed(args.seconds, phase)
    for layer in [sender, *holders]:
        await layer.flush()
    return ops / elapsed


async def main(args):
    rates = []
    for _ in range(args.repeat):
        rates.append(await (roundtrip(args) if args.scenario == "roundtrip" else group(args)))
    print(json.dumps({"rates": rates}))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--hosts", default="redis://127.0.0.1:6379")
    parser.add_argument("--layer", choices=["core", "pubsub"], default="core")
    parser.add_argument("--scenario", choices=["roundtrip", "group"], required=True)
    parser.add_argument("--pairs", type=int, default=20)
    parser.add_argument("--members", type=int, default=100)
    parser.add_argument("--split", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=2)
    parser.add_argument("--warmup", type=float, default=0.5)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--in-flight", type=int, default=8)
    asyncio.run(main(parser.parse_args()))
