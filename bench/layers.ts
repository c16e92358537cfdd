/**
 * `npm run bench:layers`: tschannels' Redis layers against Python's
 * channels_redis on the same Redis, in one run. Rows: send+receive round
 * trips per second (20 concurrent ping-pong pairs between two layer
 * instances) and `groupSend` deliveries per second (8 sends in flight) to
 * groups of 100 and 1,000 members, held by one layer instance or split over
 * two (two client ids, as two processes would have; each side runs its
 * members in one OS process).
 *
 * Both sides run the same time-bounded protocol (bench/peers/channels_redis_bench.py
 * mirrors this file): set up, an untimed warm-up phase, then a timed phase of
 * `BENCH_SECONDS` during which work is started; a final `bench.stop` message
 * ends every loop, and the clock stops when the last member has received
 * everything (every member must have received every message, or the run
 * fails). The runs of the two sides alternate, so load from elsewhere on the
 * machine hits both alike; each figure is the median of `BENCH_REPEAT` runs and
 * ratio = tschannels / channels_redis. Python runs under Debian's
 * /usr/bin/python3 (`BENCH_PYTHON` overrides); Redis is `REDIS_URL` or
 * 127.0.0.1:6379.
 *
 * A second table measures group history (`BENCH_ONLY=history` runs only it):
 * the same `groupSend` to 100 members with and without history for the
 * group, in pairs of runs back to back, and the cost as the median over the
 * pairs of plain rate / history rate; and
 * the time a member takes to rejoin with `since` and receive 1,000 messages
 * it missed (median of `RECOVERY_RUNS`).
 *
 * @module
 */

import { execFile } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

import type { ChannelLayer } from '../src/layers/channel-layer.js'
import type { LayerMessage } from '../src/types.js'
import { RedisChannelLayer, RedisPubSubChannelLayer } from '../src/layers/redis/index.js'
import { pubsubPingPongFloor } from './lib/pubsub-pingpong-floor.js'

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const PYTHON = process.env.BENCH_PYTHON ?? '/usr/bin/python3'
const PEER = fileURLToPath(new URL('./peers/channels_redis_bench.py', import.meta.url))
const REPEAT = Number(process.env.BENCH_REPEAT ?? 5)
/** Seconds of timed work per run (each side), after `WARMUP_SECONDS` of the same work untimed. */
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2)
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP ?? 0.5)
/** A phase that has not finished this long after its deadline is stuck: the run fails rather than hang. */
const STUCK_MS = 60_000
/** Which rows to run, as a substring of "core"/"pubsub" plus the scenario name (`BENCH_ONLY=pubsub`). */
const ONLY = process.env.BENCH_ONLY ?? ''
const run = promisify(execFile)

type LayerKind = 'core' | 'pubsub'

interface Scenario {
  name: string
  kind: 'roundtrip' | 'group'
  members: number
  split: number
}

const PAIRS = 20
/** Group sends in flight at once (both sides). */
const IN_FLIGHT = 8
const SCENARIOS: Scenario[] = [
  { name: 'send+receive round trips/s (20 pairs)', kind: 'roundtrip', members: 0, split: 0 },
  { name: 'groupSend, 100 members, 1 process', kind: 'group', members: 100, split: 1 },
  { name: 'groupSend, 100 members, 2 processes', kind: 'group', members: 100, split: 2 },
  { name: 'groupSend, 1,000 members, 1 process', kind: 'group', members: 1000, split: 1 },
  { name: 'groupSend, 1,000 members, 2 processes', kind: 'group', members: 1000, split: 2 },
]

const DATA = (type: string): LayerMessage => ({ type, text: 'x'.repeat(32) })
const STOP = { type: 'bench.stop' }

/** The history the history rows give the bench's groups. */
const HISTORY = { 'bench-*': { size: 2_000, ttl: 60 } }
const RECOVERY_RUNS = Number(process.env.BENCH_RECOVERY_RUNS ?? 20)
const MISSED = 1_000

function newLayer(kind: LayerKind, prefix: string, history = false): ChannelLayer {
  const options = { hosts: [REDIS_URL], prefix, capacity: 100_000, ...(history ? { history: HISTORY } : {}) }
  return kind === 'core' ? new RedisChannelLayer(options) : new RedisPubSubChannelLayer(options)
}

async function closeAll(layers: ChannelLayer[]): Promise<void> {
  for (const layer of layers) {
    await layer.flush()
    await layer.close()
  }
}

/** Runs `phase(deadline)` for `seconds`; returns its operation count and the seconds it took in all. */
async function timed(seconds: number, phase: (deadline: number) => Promise<number>): Promise<number[]> {
  const started = performance.now()
  let timer: NodeJS.Timeout | undefined
  const stuck = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error('bench phase stuck')), seconds * 1000 + STUCK_MS)
  })
  try {
    const ops = await Promise.race([phase(started + seconds * 1000), stuck])
    return [ops, (performance.now() - started) / 1000]
  } finally {
    clearTimeout(timer)
  }
}

/** Round trips per second: each pair sends a ping and waits for the pong until the deadline. */
async function roundtrip(kind: LayerKind): Promise<number> {
  const prefix = `bench${randomUUID().slice(0, 8)}`
  const [a, b] = [newLayer(kind, prefix), newLayer(kind, prefix)]
  const pairs = await Promise.all(
    Array.from({ length: PAIRS }, async () => [await a.newChannel(), await b.newChannel()] as const),
  )
  const ping = DATA('bench.ping')
  const phase = async (deadline: number): Promise<number> => {
    const counts = await Promise.all(
      pairs.flatMap(([mine, theirs]) => [
        (async () => {
          let n = 0
          while (performance.now() < deadline) {
            await a.send(theirs, ping)
            await a.receive(mine)
            n++
          }
          await a.send(theirs, STOP)
          return n
        })(),
        (async () => {
          while ((await b.receive(theirs)).type !== STOP.type) await b.send(mine, ping)
          return 0
        })(),
      ]),
    )
    return counts.reduce((x, y) => x + y, 0)
  }
  await timed(WARMUP_SECONDS, phase)
  const [ops, elapsed] = await timed(SECONDS, phase)
  await closeAll([a, b])
  return ops! / elapsed!
}

/** Deliveries per second: group sends until the deadline, timed until every member has received them all. */
async function group(kind: LayerKind, members: number, split: number, history = false): Promise<number> {
  const prefix = `bench${randomUUID().slice(0, 8)}`
  const sender = newLayer(kind, prefix, history)
  const holders = Array.from({ length: split }, () => newLayer(kind, prefix, history))
  const name = 'bench-group'
  const channels: Array<[ChannelLayer, string]> = []
  for (let index = 0; index < members; index++) {
    const holder = holders[index % split]!
    const channel = await holder.newChannel()
    await holder.groupAdd(name, channel)
    channels.push([holder, channel])
  }
  const message = DATA('bench.broadcast')
  const phase = async (deadline: number): Promise<number> => {
    const receivers = channels.map(async ([holder, channel]) => {
      let n = 0
      while ((await holder.receive(channel)).type !== STOP.type) n++
      return n
    })
    // A few sends in flight, as a busy site has: each sender task awaits its own sends in order.
    const sent = await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        let n = 0
        for (; performance.now() < deadline; n++) await sender.groupSend(name, message)
        return n
      }),
    )
    await sender.groupSend(name, STOP)
    const total = sent.reduce((x, y) => x + y, 0)
    const received = await Promise.all(receivers)
    if (received.some((n) => n !== total))
      throw new Error(`a member missed messages: ${received.join(', ')} of ${total}`)
    return members * total
  }
  await timed(WARMUP_SECONDS, phase)
  const [ops, elapsed] = await timed(SECONDS, phase)
  await closeAll([sender, ...holders])
  return ops! / elapsed!
}

async function nodeRate(scenario: Scenario, kind: LayerKind): Promise<number> {
  return scenario.kind === 'roundtrip' ? roundtrip(kind) : group(kind, scenario.members, scenario.split)
}

async function pythonRate(scenario: Scenario, kind: LayerKind): Promise<number> {
  const args = [PEER, '--hosts', REDIS_URL, '--layer', kind, '--scenario', scenario.kind]
  args.push('--seconds', String(SECONDS), '--warmup', String(WARMUP_SECONDS))
  args.push('--pairs', String(PAIRS), '--in-flight', String(IN_FLIGHT))
  if (scenario.kind === 'group')
    args.push('--members', String(scenario.members), '--split', String(scenario.split))
  const { stdout } = await run(PYTHON, args, { timeout: 600_000, maxBuffer: 1 << 20 })
  return (JSON.parse(stdout) as { rates: number[] }).rates[0]!
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y)
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

const format = (rate: number): string => Math.round(rate).toLocaleString('en-US')

/**
 * Milliseconds from a rejoin with `since` until the member has received the
 * `MISSED` messages sent while it was away (median of `RECOVERY_RUNS`).
 */
async function recovery(kind: LayerKind): Promise<number[]> {
  const prefix = `bench${randomUUID().slice(0, 8)}`
  const [sender, member] = [newLayer(kind, prefix, true), newLayer(kind, prefix, true)]
  const name = 'bench-recovery'
  const times: number[] = []
  const message = DATA('bench.broadcast')
  for (let run = 0; run < RECOVERY_RUNS; run++) {
    const channel = await member.newChannel()
    const since = await member.groupAdd(name, channel)
    await member.discardChannel(channel)
    for (let n = 0; n < MISSED; n++) await sender.groupSend(name, message)
    const again = await member.newChannel()
    const started = performance.now()
    const join = await member.groupAdd(name, again, { since })
    for (let n = 0; n < MISSED; n++) await member.receive(again)
    times.push(performance.now() - started)
    if (!join.recovered) throw new Error('the bench member was not recovered')
    await member.discardChannel(again)
  }
  await closeAll([sender, member])
  return times
}

async function historyTable(): Promise<void> {
  console.log('\n| Layer | Group history (100 members, 1 process) | plain /s | with history /s | cost |')
  console.log('| --- | --- | ---: | ---: | ---: |')
  for (const kind of ['core', 'pubsub'] as const) {
    const plain: number[] = []
    const kept: number[] = []
    const ratios: number[] = []
    for (let n = 0; n < REPEAT; n++) {
      // Pairs of runs back to back, in alternating order, so that a change of load hits both alike.
      let a: number
      let b: number
      if (n % 2 === 0) {
        a = await group(kind, 100, 1)
        b = await group(kind, 100, 1, true)
      } else {
        b = await group(kind, 100, 1, true)
        a = await group(kind, 100, 1)
      }
      plain.push(a)
      kept.push(b)
      ratios.push(a / b)
    }
    const layer = kind === 'core' ? 'RedisChannelLayer' : 'RedisPubSubChannelLayer'
    const cost = median(ratios).toFixed(2)
    console.log(
      `| ${layer} | groupSend deliveries/s | ${format(median(plain))} | ${format(median(kept))} | ${cost}x |`,
    )
    console.error(
      `  runs: plain ${plain.map(format).join(' ')}; history ${kept.map(format).join(' ')}; ` +
        `cost per pair ${ratios.map((ratio) => ratio.toFixed(2)).join(' ')}`,
    )
  }
  console.log(
    `\n| Layer | Rejoin with since, ${format(MISSED)} missed messages received | median ms | max ms |`,
  )
  console.log('| --- | --- | ---: | ---: |')
  for (const kind of ['core', 'pubsub'] as const) {
    const times = await recovery(kind)
    const layer = kind === 'core' ? 'RedisChannelLayer' : 'RedisPubSubChannelLayer'
    console.log(
      `| ${layer} | ${RECOVERY_RUNS} runs | ${median(times).toFixed(1)} | ${Math.max(...times).toFixed(1)} |`,
    )
  }
}

async function main(): Promise<void> {
  console.log(
    `Redis ${REDIS_URL}, Node ${process.version}, ${REPEAT} alternating runs per figure (median), ` +
      `${SECONDS} s timed after ${WARMUP_SECONDS} s warm-up per run\n`,
  )
  console.log('| Layer | Scenario | tschannels /s | channels_redis /s | ratio |')
  console.log('| --- | --- | ---: | ---: | ---: |')
  for (const kind of ['core', 'pubsub'] as const) {
    for (const scenario of SCENARIOS) {
      if (!`${kind} ${scenario.name}`.includes(ONLY)) continue
      const ours: number[] = []
      const theirs: number[] = []
      // The pub/sub round trip is bound by Redis and the client library: measure their floor alongside.
      const withFloor = kind === 'pubsub' && scenario.kind === 'roundtrip'
      const floors: number[] = []
      for (let n = 0; n < REPEAT; n++) {
        ours.push(await nodeRate(scenario, kind))
        theirs.push(await pythonRate(scenario, kind))
        if (withFloor) floors.push(await pubsubPingPongFloor(REDIS_URL, PAIRS, WARMUP_SECONDS, SECONDS))
      }
      const layer = kind === 'core' ? 'RedisChannelLayer' : 'RedisPubSubChannelLayer'
      const [x, y] = [median(ours), median(theirs)]
      console.log(`| ${layer} | ${scenario.name} | ${format(x)} | ${format(y)} | ${(x / y).toFixed(1)}x |`)
      // The spread, for judging the noise; stderr keeps the table on stdout clean.
      console.error(
        `  runs: tschannels ${ours.map(format).join(' ')}; channels_redis ${theirs.map(format).join(' ')}`,
      )
      if (withFloor) {
        const floor = median(floors)
        console.error(
          `  floor, bare ioredis PUBLISH/PSUBSCRIBE ping-pong with the same protocol: ${format(floor)} /s ` +
            `(runs ${floors.map(format).join(' ')}); tschannels at ${Math.round((100 * x) / floor)} % of it`,
        )
      }
    }
  }
  if (ONLY === '' || ONLY === 'history') await historyTable()
}

await main()
