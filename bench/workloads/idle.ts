/**
 * Idle capacity: open N connections (rooms of 10, each joined as a chat
 * client would) and hold them; report the time to open them all and the
 * server's resident memory per connection (RSS delta / N). The second half
 * is opened after a pause and also reported on its own (RSS growth over it
 * / N/2): the heap's fixed growth (V8's young generation grows to tens of
 * megabytes under a burst of allocations) weighs on RSS delta / N at small N
 * and drops out of the marginal figure.
 *
 * The first reading comes 2 s after the last connection opened, while the
 * server still holds what opening them left behind. With `settleSeconds`,
 * the connections are then held untouched that long and memory is read
 * again: the settled figure is what an idle server keeps for its
 * connections (V8 gives back its young generation some 30 s after the
 * allocations stop). Every peer gets the same wait.
 *
 * Past about 28,000 connections one source address runs out of ephemeral
 * ports (`net.ipv4.ip_local_port_range`), so clients past the first 25,000
 * come from the loopback addresses 127.0.0.2, 127.0.0.3, … (all of 127/8 is
 * loopback on Linux). The first 25,000 are not bound to a source address:
 * binding before connecting makes the kernel pick a port that is free for
 * every destination, which skips ports in TIME_WAIT and, after a run that
 * closed thousands of connections, made opening take 2–10 times as long.
 *
 * @module
 */

import type { RunningServer } from '../lib/process.js'
import { sleep } from '../lib/stats.js'
import { closeClients, openClients } from '../lib/wire.js'
import type { ClientOptions } from '../lib/wire.js'

/** Connections per source address: below the default ephemeral range of 28,232 ports. */
const PER_SOURCE = 25_000

/** What one idle run measured. */
export interface IdleResult {
  connections: number
  openSeconds: number
  connectionsPerSecond: number
  rssBeforeBytes: number
  rssAfterBytes: number
  bytesPerConnection: number
  /** RSS growth per connection over the second half only: fixed costs (young-generation growth, code) left out. */
  marginalBytesPerConnection: number
  /** RSS delta / N after the connections sat idle for `settleSeconds` (absent without a wait). */
  settledBytesPerConnection?: number
  settleSeconds?: number
}

/** Opens `count` clients through `optionsFor` against `server`, measures, and closes them. */
export async function runIdle(
  server: RunningServer,
  count: number,
  optionsFor: (index: number, localAddress: string | undefined) => ClientOptions,
  settleSeconds = 0,
): Promise<IdleResult> {
  const source = (index: number): string | undefined =>
    index < PER_SOURCE ? undefined : `127.0.0.${1 + Math.floor(index / PER_SOURCE)}`
  // Warm the code paths first, so their compiled code and caches are not billed to the connections.
  await closeClients(await openClients(100, (i) => optionsFor(i, source(i))))
  await sleep(1000)
  const rssBeforeBytes = server.rssBytes()
  const half = Math.floor(count / 2)
  const started = performance.now()
  const first = await openClients(half, (i) => optionsFor(i, source(i)), 128)
  const firstSeconds = (performance.now() - started) / 1000
  await sleep(1000)
  const rssHalfBytes = server.rssBytes()
  const resumed = performance.now()
  const second = await openClients(count - half, (i) => optionsFor(half + i, source(half + i)), 128)
  const openSeconds = firstSeconds + (performance.now() - resumed) / 1000
  // Let join messages and presence broadcasts settle before reading memory.
  await sleep(2000)
  const rssAfterBytes = server.rssBytes()
  let settled: Pick<IdleResult, 'settledBytesPerConnection' | 'settleSeconds'> = {}
  if (settleSeconds > 0) {
    await sleep(settleSeconds * 1000)
    const open = [...first, ...second].filter(
      (client) => client.socket.readyState === client.socket.OPEN,
    ).length
    if (open !== count) throw new Error(`${count - open} of ${count} idle connections closed while settling`)
    settled = {
      settleSeconds,
      settledBytesPerConnection: Math.round((server.rssBytes() - rssBeforeBytes) / count),
    }
  }
  await closeClients([...first, ...second])
  return {
    connections: count,
    openSeconds: round(openSeconds, 2),
    connectionsPerSecond: Math.round(count / openSeconds),
    rssBeforeBytes,
    rssAfterBytes,
    bytesPerConnection: Math.round((rssAfterBytes - rssBeforeBytes) / count),
    marginalBytesPerConnection: Math.round((rssAfterBytes - rssHalfBytes) / (count - half)),
    ...settled,
  }
}

function round(value: number, digits: number): number {
  return Number(value.toFixed(digits))
}
