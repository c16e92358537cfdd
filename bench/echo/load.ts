/**
 * The load generator: `clients` WebSocket connections, each keeping exactly
 * one message in flight (send, wait for the echo, send again), for a fixed
 * time. With `pauseMs`, each client waits that long after an echo before it
 * sends again, so both processes go idle between round trips, as they do
 * at a fixed message rate. Latencies are kept in a preallocated array so the generator's own
 * garbage does not dominate what it measures.
 *
 * @module
 */

import WebSocket from 'ws'

/** What one measured run produced. */
export interface LoadResult {
  messages: number
  seconds: number
  latenciesUs: Float64Array
}

/** Opens `clients` sockets to `url`, runs warm-up then the measured window, and closes them. */
export async function runLoad(options: {
  url: string
  clients: number
  payload: string
  /** Milliseconds between an echo and the next send (0: at once). */
  pauseMs?: number
  warmupMs: number
  durationMs: number
  onMeasureStart: () => void
  onMeasureEnd: () => void
}): Promise<LoadResult> {
  const { url, clients, payload, warmupMs, durationMs } = options
  const pauseMs = options.pauseMs ?? 0
  const sockets = await Promise.all(
    Array.from(
      { length: clients },
      () =>
        new Promise<WebSocket>((resolve, reject) => {
          const socket = new WebSocket(url, { perMessageDeflate: false })
          socket.once('open', () => resolve(socket))
          socket.once('error', reject)
        }),
    ),
  )
  let measuring = false
  let stopped = false
  let count = 0
  let latencies = new Float64Array(1 << 20)
  const sentAt = new Float64Array(clients)
  const now = (): number => performance.now()
  sockets.forEach((socket, index) => {
    socket.on('message', () => {
      if (stopped) return
      const t = now()
      if (measuring) {
        if (count === latencies.length) {
          const bigger = new Float64Array(latencies.length * 2)
          bigger.set(latencies)
          latencies = bigger
        }
        latencies[count++] = (t - sentAt[index]!) * 1000
      }
      if (pauseMs === 0) {
        sentAt[index] = t
        socket.send(payload)
        return
      }
      setTimeout(() => {
        if (stopped) return
        sentAt[index] = now()
        socket.send(payload)
      }, pauseMs)
    })
  })
  for (let i = 0; i < clients; i++) {
    sentAt[i] = now()
    sockets[i]!.send(payload)
  }
  await sleep(warmupMs)
  options.onMeasureStart()
  const started = now()
  measuring = true
  await sleep(durationMs)
  measuring = false
  const seconds = (now() - started) / 1000
  options.onMeasureEnd()
  stopped = true
  await Promise.all(
    sockets.map(
      (socket) =>
        new Promise<void>((resolve) => {
          socket.once('close', () => resolve())
          socket.close(1000)
          setTimeout(() => {
            socket.terminate()
            resolve()
          }, 2000).unref()
        }),
    ),
  )
  return { messages: count, seconds, latenciesUs: latencies.subarray(0, count) }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
