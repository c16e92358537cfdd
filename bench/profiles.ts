/**
 * The two profiles: `quick` (`npm run bench`, a few minutes: every workload,
 * the in-memory peers, short windows) and `full` (`npm run bench:full`:
 * every peer and layer, more rounds, longer windows, 10,000 idle
 * connections).
 *
 * @module
 */

import type { FanoutShape } from './lib/measure.js'
import type { PeerName } from './lib/peers.js'

export const WORKLOAD_NAMES = ['fanout', 'rate', 'rooms', 'cross', 'storm', 'idle'] as const
export type WorkloadName = (typeof WORKLOAD_NAMES)[number]

/** One workload in a profile: its shape, its peers, and its own round count if not the profile's. */
export type WorkloadSpec = Partial<FanoutShape> & {
  title: string
  peers: readonly PeerName[]
  rounds?: number
  warmupMs: number
  durationMs: number
  /** idle: connections to open. */
  connections?: number
  /** idle: seconds to hold them, untouched, before the settled memory reading (0: none). */
  settleSeconds?: number
  /** storm: connections being opened at once. */
  concurrency?: number
}

/** A profile: default rounds and the workloads it runs. */
export interface Profile {
  rounds: number
  workloads: Partial<Record<WorkloadName, WorkloadSpec>>
}

const MEMORY: readonly PeerName[] = ['raw-ws', 'socketio', 'daphne', 'tsc-minimal', 'tsc-chat']
/** The quick profile also runs the minimal app with metrics on, next to it, to show what metrics cost. */
const QUICK: readonly PeerName[] = [
  'raw-ws',
  'socketio',
  'daphne',
  'tsc-minimal',
  'tsc-minimal-metrics',
  'tsc-chat',
]
const REDIS: readonly PeerName[] = [
  'socketio-redis',
  'daphne-redis',
  'tsc-minimal-redis',
  'tsc-minimal-pubsub',
  'tsc-chat-redis',
]

const FANOUT = { rooms: 1, members: 100, mode: 'closed', inFlight: 10 } as const
const RATE = { rooms: 1, members: 100, mode: 'rate', rate: 50 } as const
const ROOMS = { rooms: 100, members: 10, mode: 'closed', inFlight: 1 } as const
const CROSS = { ...FANOUT, processes: 2 } as const

const TITLES: Record<WorkloadName, string> = {
  fanout: 'Fan-out, closed loop: 100 clients in one room, 10 messages in flight',
  rate: 'Fan-out, fixed rate: 100 clients in one room, 50 messages/s (5,000 deliveries/s)',
  rooms: 'Rooms: 1,000 clients in 100 rooms of 10, one message in flight per room',
  cross: 'Cross-process: two server processes sharing Redis, 100 clients in one room split between them',
  storm: 'Connect storm: 32 connections being opened at any time',
  idle: 'Idle capacity: connections held open (rooms of 10)',
}

export const PROFILES: Record<'quick' | 'full', Profile> = {
  quick: {
    rounds: 3,
    workloads: {
      fanout: { title: TITLES.fanout, ...FANOUT, peers: QUICK, warmupMs: 1000, durationMs: 2000 },
      rate: { title: TITLES.rate, ...RATE, peers: QUICK, rounds: 1, warmupMs: 1000, durationMs: 3000 },
      rooms: { title: TITLES.rooms, ...ROOMS, peers: QUICK, rounds: 1, warmupMs: 1000, durationMs: 2000 },
      cross: { title: TITLES.cross, ...CROSS, peers: REDIS, rounds: 1, warmupMs: 1000, durationMs: 2000 },
      storm: {
        title: TITLES.storm,
        concurrency: 32,
        peers: QUICK,
        rounds: 1,
        warmupMs: 500,
        durationMs: 2000,
      },
      idle: { title: TITLES.idle, connections: 2000, peers: QUICK, rounds: 1, warmupMs: 0, durationMs: 0 },
    },
  },
  full: {
    rounds: 3,
    workloads: {
      fanout: {
        title: TITLES.fanout,
        ...FANOUT,
        peers: [
          'raw-ws',
          'raw-ws-coalesced',
          ...MEMORY.slice(1, 4),
          'tsc-tutorial',
          ...MEMORY.slice(4),
          ...REDIS,
        ],
        warmupMs: 1000,
        durationMs: 3000,
      },
      rate: {
        title: TITLES.rate,
        ...RATE,
        peers: [...MEMORY, 'socketio-redis', 'tsc-minimal-redis', 'tsc-minimal-pubsub'],
        warmupMs: 1000,
        durationMs: 4000,
      },
      rooms: {
        title: TITLES.rooms,
        ...ROOMS,
        peers: ['raw-ws', 'raw-ws-coalesced', ...MEMORY.slice(1)],
        warmupMs: 1000,
        durationMs: 3000,
      },
      cross: { title: TITLES.cross, ...CROSS, peers: REDIS, warmupMs: 1000, durationMs: 3000 },
      storm: { title: TITLES.storm, concurrency: 32, peers: MEMORY, warmupMs: 1000, durationMs: 3000 },
      idle: {
        title: TITLES.idle,
        connections: 10_000,
        settleSeconds: 60,
        peers: MEMORY,
        rounds: 1,
        warmupMs: 0,
        durationMs: 0,
      },
    },
  },
}
