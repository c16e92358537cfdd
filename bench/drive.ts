/**
 * Drives one already-running server with one fan-out shape, for profiling:
 * start the server yourself (for example under `node --cpu-prof`), then
 * `npx tsx bench/drive.ts --port 8001 --seconds 10`. Prints deliveries/s and
 * latency; measures no CPU (the profile does that).
 *
 * Options: --port, --wire json|socketio, --rooms 1, --members 100, --in-flight 10, --seconds 10
 *
 * @module
 */

import { parseArgs } from 'node:util'

import { percentiles } from './lib/stats.js'
import { closeClients, openClients } from './lib/wire.js'
import type { Wire } from './lib/wire.js'
import { runFanout } from './workloads/fanout.js'

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8000' },
    wire: { type: 'string', default: 'json' },
    rooms: { type: 'string', default: '1' },
    members: { type: 'string', default: '100' },
    'in-flight': { type: 'string', default: '10' },
    seconds: { type: 'string', default: '10' },
  },
})
const port = Number(values.port)
const members = Number(values.members)
const wire = values.wire as Wire
const clients = await openClients(Number(values.rooms) * members, (i) => ({
  url:
    wire === 'socketio'
      ? `ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket&room=bench${Math.floor(i / members)}`
      : `ws://127.0.0.1:${port}/ws/chat/bench${Math.floor(i / members)}/`,
  wire,
  origin: `http://127.0.0.1:${port}`,
}))
const rooms = Array.from({ length: Number(values.rooms) }, (_, r) =>
  clients.slice(r * members, (r + 1) * members),
)
const result = await runFanout({
  rooms,
  mode: 'closed',
  inFlight: Number(values['in-flight']),
  warmupMs: 1000,
  durationMs: Number(values.seconds) * 1000,
})
console.log({
  deliveriesPerSecond: Math.round(result.deliveries / result.seconds),
  ...percentiles(result.latenciesUs),
})
await closeClients(clients)
