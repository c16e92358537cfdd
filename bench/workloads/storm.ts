/**
 * Connect storm: `concurrency` loops, each opening a connection, counting it
 * once the peer can take messages (after authentication, for the chat),
 * dropping it and opening the next, for a fixed time. Reports handshakes/s,
 * handshake latency and server CPU per handshake.
 *
 * @module
 */

import { percentiles, Samples, sleep } from '../lib/stats.js'
import { openClient } from '../lib/wire.js'
import type { ClientOptions } from '../lib/wire.js'

/** What the storm's measured window produced. */
export interface StormResult {
  handshakes: number
  failures: number
  seconds: number
  p50Us: number
  p95Us: number
  p99Us: number
}

/** Runs the storm for `warmupMs` then `durationMs`, measuring the second part. */
export async function runStorm(options: {
  concurrency: number
  warmupMs: number
  durationMs: number
  optionsFor: (index: number, localAddress: string) => ClientOptions
  onMeasureStart?: () => void
  onMeasureEnd?: () => void
}): Promise<StormResult> {
  const latencies = new Samples()
  let measuring = false
  let stopped = false
  let handshakes = 0
  let failures = 0
  let next = 0
  const loop = async (): Promise<void> => {
    while (!stopped) {
      const index = next++
      const started = performance.now()
      try {
        const client = await openClient(clientOptions(index))
        if (measuring) {
          handshakes++
          latencies.push((performance.now() - started) * 1000)
        }
        client.socket.terminate()
      } catch {
        if (measuring) failures++
      }
    }
  }
  // Sources rotate over 127.0.0.1-8 so closed connections in TIME_WAIT never exhaust one address's ports.
  const clientOptions = (index: number): ClientOptions =>
    options.optionsFor(index, `127.0.0.${1 + (index % 8)}`)
  const loops = Array.from({ length: options.concurrency }, loop)
  await sleep(options.warmupMs)
  options.onMeasureStart?.()
  const started = performance.now()
  measuring = true
  await sleep(options.durationMs)
  measuring = false
  const seconds = (performance.now() - started) / 1000
  options.onMeasureEnd?.()
  stopped = true
  await Promise.all(loops)
  return { handshakes, failures, seconds, ...percentiles(latencies.values()) }
}
