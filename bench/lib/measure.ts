/**
 * One measurement of one workload on one peer: start the server(s), get
 * clients in, run the workload, read the server's CPU time around the
 * measured window, stop everything. Each returns a flat sample, one JSON
 * line of the results.
 *
 * @module
 */

import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'

import { runFanout } from '../workloads/fanout.js'
import { runIdle } from '../workloads/idle.js'
import { runStorm } from '../workloads/storm.js'
import type { Peer } from './peers.js'
import { cpuUs, fileLimit, startServer } from './process.js'
import type { RunningServer } from './process.js'
import { percentiles } from './stats.js'
import { closeClients, openClients } from './wire.js'
import type { BenchClient, ClientOptions } from './wire.js'

/** One JSON line of results. */
export type Sample = Record<string, string | number | boolean | null>

/** A fan-out shape: rooms × members, closed loop or fixed rate. */
export interface FanoutShape {
  rooms: number
  members: number
  mode: 'closed' | 'rate'
  inFlight?: number
  rate?: number
  /** Server processes sharing the room (2 for cross-process; Redis peers only). */
  processes?: number
  warmupMs: number
  durationMs: number
}

const REDIS_PID = redisPid()

/**
 * A room-name stem no earlier run used. A server killed at the end of a run
 * leaves its group memberships in Redis until `groupExpiry` (a day), as
 * channels_redis does; with fixed room names every later run of a core-layer
 * peer would also write to the queues of all the dead servers before it.
 */
function freshRooms(kind: string): string {
  return `${kind}${randomBytes(4).toString('hex')}r`
}

/** Runs a fan-out shape on `peer` and returns deliveries/s, latency and CPU per delivery. */
export async function measureFanout(peer: Peer, shape: FanoutShape): Promise<Sample> {
  const servers = await startAll(peer, shape.processes ?? 1)
  let clients: BenchClient[] = []
  try {
    const urls = await Promise.all(servers.map((server) => peer.prepare(server.port)))
    const total = shape.rooms * shape.members
    const stem = freshRooms('bench')
    // Client i is member i % members of room i / members; with two processes they alternate.
    clients = await openClients(total, (i) => {
      const which = i % servers.length
      return options(peer, servers[which]!, urls[which]!(`${stem}${Math.floor(i / shape.members)}`, i))
    })
    const rooms = Array.from({ length: shape.rooms }, (_, r) =>
      clients.slice(r * shape.members, (r + 1) * shape.members),
    )
    let cpuStart = 0
    let cpuEnd = 0
    let redisStart = 0
    let redisEnd = 0
    const serverCpu = (): number => servers.reduce((sum, server) => sum + server.cpuUs(), 0)
    const result = await runFanout({
      rooms,
      mode: shape.mode,
      inFlight: shape.inFlight ?? 1,
      rate: shape.rate ?? 50,
      warmupMs: shape.warmupMs,
      durationMs: shape.durationMs,
      onMeasureStart: () => {
        cpuStart = serverCpu()
        redisStart = redisCpu()
      },
      onMeasureEnd: () => {
        cpuEnd = serverCpu()
        redisEnd = redisCpu()
      },
    })
    const deliveries = Math.max(result.deliveries, 1)
    return {
      deliveriesPerSecond: Math.round(result.deliveries / result.seconds),
      messagesPerSecond: Math.round(result.messages / result.seconds),
      ...percentiles(result.latenciesUs),
      cpuUsPerDelivery: round((cpuEnd - cpuStart) / deliveries, 3),
      ...(peer.layer !== 'memory' && REDIS_PID !== null
        ? { redisCpuUsPerDelivery: round((redisEnd - redisStart) / deliveries, 3) }
        : {}),
      lost: result.lost,
    }
  } finally {
    await closeClients(clients)
    await Promise.all(servers.map((server) => server.stop()))
  }
}

/**
 * Opens `count` idle connections to a fresh `peer` and reports time and
 * memory per connection; with `settleSeconds`, memory again after that long.
 */
export async function measureIdle(peer: Peer, count: number, settleSeconds = 0): Promise<Sample> {
  // The generator holds one descriptor per connection too, and cannot raise its own limit.
  const limit = fileLimit()
  if (count + 500 > limit) {
    throw new Error(
      `${count} connections need 'ulimit -n' above ${count + 500}; this shell allows ${limit}. ` +
        'Raise it before the run (see bench/README.md, "100,000 idle connections").',
    )
  }
  const [server] = await startAll(peer, 1, count + 1000)
  try {
    const url = await peer.prepare(server!.port)
    const stem = freshRooms('idle')
    const result = await runIdle(
      server!,
      count,
      (i, localAddress) => ({
        ...options(peer, server!, url(`${stem}${Math.floor(i / 10)}`, i)),
        ...(localAddress !== undefined ? { localAddress } : {}),
      }),
      settleSeconds,
    )
    return { ...result }
  } finally {
    await server!.stop()
  }
}

/** Runs a connect storm against a fresh `peer`. */
export async function measureStorm(
  peer: Peer,
  shape: { concurrency: number; warmupMs: number; durationMs: number },
): Promise<Sample> {
  const [server] = await startAll(peer, 1)
  try {
    const url = await peer.prepare(server!.port)
    const stem = freshRooms('storm')
    let cpuStart = 0
    let cpuEnd = 0
    const result = await runStorm({
      ...shape,
      optionsFor: (i, localAddress) => ({
        ...options(peer, server!, url(`${stem}${i % shape.concurrency}`, i)),
        localAddress,
      }),
      onMeasureStart: () => (cpuStart = server!.cpuUs()),
      onMeasureEnd: () => (cpuEnd = server!.cpuUs()),
    })
    return {
      handshakesPerSecond: Math.round(result.handshakes / result.seconds),
      p50Us: result.p50Us,
      p95Us: result.p95Us,
      p99Us: result.p99Us,
      cpuUsPerHandshake: round((cpuEnd - cpuStart) / Math.max(result.handshakes, 1), 1),
      failures: result.failures,
    }
  } finally {
    await server!.stop()
  }
}

async function startAll(peer: Peer, count: number, nofile?: number): Promise<RunningServer[]> {
  await peer.beforeStart()
  const servers: RunningServer[] = []
  try {
    // One after the other: two chat processes creating the same SQLite file at once would race.
    for (let i = 0; i < count; i++) {
      servers.push(await startServer({ ...peer.spec(), ...(nofile !== undefined ? { nofile } : {}) }))
    }
    return servers
  } catch (error) {
    await Promise.all(servers.map((server) => server.stop()))
    throw error
  }
}

function options(peer: Peer, server: RunningServer, url: string): ClientOptions {
  return { url, wire: peer.wire, origin: `http://127.0.0.1:${server.port}` }
}

function redisCpu(): number {
  if (REDIS_PID === null) return 0
  try {
    return cpuUs(REDIS_PID)
  } catch {
    return 0
  }
}

function redisPid(): number | null {
  try {
    const pid = Number(execFileSync('pidof', ['redis-server']).toString().trim().split(' ')[0])
    cpuUs(pid)
    return pid
  } catch {
    return null
  }
}

function round(value: number, digits: number): number {
  return Number(value.toFixed(digits))
}
