/**
 * `npm run bench:jitter`: readers of a chat on two server processes that
 * share Redis, each behind a TCP proxy that cuts its connection at random
 * (a mean of 8 cuts of 2 s per reader per 60 s), while one sender per room
 * sends numbered messages. Per reader: delivered / sent, duplicates,
 * reorderings. Then a reconnect storm: every reader cut at once, and the
 * time until every reader is back and has the latest message.
 *
 *   npm run bench:jitter -- --clients 200 --duration 60 --rate 10 --only tschannels
 *
 * @module
 */

import { spawn } from 'node:child_process'
import { appendFileSync, mkdirSync } from 'node:fs'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { parseArgs } from 'node:util'

import { Redis } from 'ioredis'

import { startServer } from './lib/process.js'
import type { RunningServer } from './lib/process.js'
import { CutProxy } from './jitter/cut-proxy.js'
import { PEERS } from './jitter/peers.js'
import type { Peer, Reader, Sender } from './jitter/peers.js'
import { Tally } from './jitter/tally.js'

const { values: flags } = parseArgs({
  options: {
    clients: { type: 'string', default: '200' },
    duration: { type: 'string', default: '60' },
    rate: { type: 'string', default: '10' },
    'room-size': { type: 'string', default: '10' },
    cuts: { type: 'string', default: '8' },
    'cut-length': { type: 'string', default: '2' },
    only: { type: 'string' },
    out: { type: 'string', default: 'bench/results/jitter.jsonl' },
  },
})
const CLIENTS = Number(flags.clients)
const DURATION_MS = Number(flags.duration) * 1000
const RATE = Number(flags.rate)
const ROOMS = Math.max(1, Math.ceil(CLIENTS / Number(flags['room-size'])))
// The published test: a mean of 8 cuts per client per 60 s run, 2 s each,
// so the gaps between cuts average (60 s - 8 x 2 s) / 8.
const CUTS = (Number(flags.cuts) * DURATION_MS) / 60_000
const CUT_MS = Number(flags['cut-length']) * 1000
const MEAN_GAP_MS = (DURATION_MS - CUTS * CUT_MS) / CUTS
const CATCH_UP_MS = 15_000
const STORM_LIMIT_MS = 30_000
const peers = flags.only ? PEERS.filter((peer) => flags.only!.split(',').includes(peer.name)) : PEERS

/** One peer's figures. */
interface Result {
  peer: string
  clients: number
  rooms: number
  durationS: number
  cuts: number
  sent: number
  expected: number
  delivered: number
  deliveredPct: number
  duplicates: number
  reorderings: number
  clientsComplete: number
  reconnects: number
  recovered: number
  unrecovered: number
  stormBackP50Ms: number | null
  stormBackMaxMs: number | null
  stormNotBack: number
}

const redis = await privateRedis()
mkdirSync('bench/results', { recursive: true })
try {
  for (const peer of peers) {
    const result = await run(peer, redis.url)
    console.log(JSON.stringify(result))
    appendFileSync(flags.out, JSON.stringify({ ...result, at: new Date().toISOString() }) + '\n')
    const flusher = new Redis(redis.url)
    await flusher.flushall()
    flusher.disconnect()
  }
} finally {
  redis.stop()
}

async function run(peer: Peer, redisUrl: string): Promise<Result> {
  const servers: RunningServer[] = []
  for (let i = 0; i < 2; i++) {
    servers.push(
      await startServer({
        command: process.execPath,
        args: ['--import', 'tsx', peer.script],
        env: { REDIS_URL: redisUrl, ...peer.env },
        ready: /listening on http:\/\/127\.0\.0\.1:(\d+) \(pid (\d+)\)/,
      }),
    )
  }
  const proxies: CutProxy[] = []
  const readers: Reader[] = []
  const tallies: Tally[] = []
  const roomOf = (client: number): number => client % ROOMS
  try {
    for (let client = 0; client < CLIENTS; client++) {
      // A room's readers are spread over both processes.
      const proxy = new CutProxy(servers[Math.floor(client / ROOMS) % 2]!.port)
      proxies.push(proxy)
      const tally = new Tally()
      tallies.push(tally)
      readers.push(peer.reader(await proxy.listen(), `r${roomOf(client)}`, (n) => tally.add(n)))
    }
    await within(Promise.all(readers.map((reader) => reader.ready)), 60_000, 'readers ready')
    const senders: Sender[] = []
    for (let room = 0; room < ROOMS; room++) senders.push(peer.sender(servers[room % 2]!.port, `r${room}`))
    await within(Promise.all(senders.map((sender) => sender.ready)), 30_000, 'senders ready')

    // The measured run: senders tick, proxies cut.
    const sent = new Array<number>(ROOMS).fill(0)
    let cuts = 0
    const timers: NodeJS.Timeout[] = []
    const start = Date.now()
    for (const proxy of proxies) {
      const schedule = (after: number): void => {
        const at = after + exponential(MEAN_GAP_MS)
        if (at + CUT_MS > DURATION_MS) return
        timers.push(
          setTimeout(
            () => {
              cuts++
              proxy.cut(CUT_MS)
              schedule(at + CUT_MS)
            },
            at - (Date.now() - start),
          ),
        )
      }
      schedule(0)
    }
    const ticker = setInterval(() => {
      for (let room = 0; room < ROOMS; room++) senders[room]!.send(++sent[room]!)
    }, 1000 / RATE)
    await sleep(DURATION_MS)
    clearInterval(ticker)
    for (const timer of timers) clearTimeout(timer)

    const expectedOf = (client: number): number => sent[roomOf(client)]!
    const complete = (): number =>
      tallies.filter((tally, client) => tally.delivered(expectedOf(client)) === expectedOf(client)).length
    const deadline = Date.now() + CUT_MS + CATCH_UP_MS
    while (Date.now() < deadline && complete() < CLIENTS) await sleep(100)

    let expected = 0
    let delivered = 0
    for (let client = 0; client < CLIENTS; client++) {
      expected += expectedOf(client)
      delivered += tallies[client]!.delivered(expectedOf(client))
    }
    const result: Result = {
      peer: peer.name,
      clients: CLIENTS,
      rooms: ROOMS,
      durationS: DURATION_MS / 1000,
      cuts,
      sent: sent.reduce((a, b) => a + b, 0),
      expected,
      delivered,
      deliveredPct: Math.floor((delivered / expected) * 10_000) / 100,
      duplicates: tallies.reduce((sum, tally) => sum + tally.duplicates, 0),
      reorderings: tallies.reduce((sum, tally) => sum + tally.reorderings, 0),
      clientsComplete: complete(),
      reconnects: readers.reduce((sum, reader) => sum + reader.reconnects(), 0),
      recovered: readers.reduce((sum, reader) => sum + reader.recovered(), 0),
      unrecovered: readers.reduce((sum, reader) => sum + reader.unrecovered(), 0),
      ...(await storm(proxies, senders, sent, tallies, roomOf)),
    }
    for (const sender of senders) sender.close()
    return result
  } finally {
    for (const reader of readers) reader.close()
    await Promise.all(proxies.map((proxy) => proxy.close()))
    await Promise.all(servers.map((server) => server.stop()))
  }
}

/**
 * Every reader cut at once for the cut length while the senders go on; then
 * the time from the end of the cut until each reader has the last message
 * its room was sent at that moment.
 */
async function storm(
  proxies: CutProxy[],
  senders: Sender[],
  sent: number[],
  tallies: Tally[],
  roomOf: (client: number) => number,
): Promise<Pick<Result, 'stormBackP50Ms' | 'stormBackMaxMs' | 'stormNotBack'>> {
  const ticker = setInterval(() => {
    for (let room = 0; room < senders.length; room++) senders[room]!.send(++sent[room]!)
  }, 1000 / RATE)
  try {
    for (const proxy of proxies) proxy.cut(CUT_MS)
    await sleep(CUT_MS)
    const reopened = Date.now()
    const target = sent.slice()
    const back = new Array<number | undefined>(tallies.length)
    while (Date.now() - reopened < STORM_LIMIT_MS && back.includes(undefined)) {
      tallies.forEach((tally, client) => {
        if (back[client] === undefined && tally.max >= target[roomOf(client)]!)
          back[client] = Date.now() - reopened
      })
      await sleep(10)
    }
    const times = back.filter((time): time is number => time !== undefined).sort((a, b) => a - b)
    return {
      stormBackP50Ms: times.length ? times[Math.floor(times.length / 2)]! : null,
      stormBackMaxMs: times.length === tallies.length ? times.at(-1)! : null,
      stormNotBack: tallies.length - times.length,
    }
  } finally {
    clearInterval(ticker)
  }
}

async function privateRedis(): Promise<{ url: string; stop(): void }> {
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo
      probe.close(() => resolve(port))
    })
  })
  const child = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  })
  const url = `redis://127.0.0.1:${port}`
  for (let attempt = 0; ; attempt++) {
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
    probe.on('error', () => {})
    try {
      await probe.connect()
      await probe.ping()
      break
    } catch (error) {
      if (attempt >= 200) throw error
      await sleep(50)
    } finally {
      probe.disconnect()
    }
  }
  return { url, stop: () => void child.kill('SIGKILL') }
}

function exponential(mean: number): number {
  return -Math.log(1 - Math.random()) * mean
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}
