/**
 * The fan-out engine behind three workloads: closed loop (each room keeps
 * `inFlight` messages outstanding, a message is done once every member has
 * it), fixed rate (messages sent on a clock, whatever the server does) and
 * rooms (the closed loop over many small rooms). Senders rotate through each
 * room's members, as in a real chat, which also keeps every connection under
 * the chat's per-connection flood limit of 20 messages/s.
 *
 * A delivery is one member receiving one message; its latency is the time
 * from the send to that member's receipt, on this process's clock.
 *
 * @module
 */

import { Samples, sleep } from '../lib/stats.js'
import type { BenchClient } from '../lib/wire.js'

/** How to drive the rooms. */
export interface FanoutOptions {
  /** The connected clients, room by room. */
  rooms: readonly (readonly BenchClient[])[]
  /** `closed`: `inFlight` messages outstanding per room; `rate`: `rate` messages/s in all. */
  mode: 'closed' | 'rate'
  inFlight?: number
  rate?: number
  /** Characters of text per message. @default 64 */
  textSize?: number
  warmupMs: number
  durationMs: number
  onMeasureStart?: () => void
  onMeasureEnd?: () => void
}

/** What the measured window produced. */
export interface FanoutResult {
  messages: number
  deliveries: number
  seconds: number
  latenciesUs: Float64Array
  /** Messages given up on after `LOST_AFTER_MS` without every delivery (dropped by a full queue, say). */
  lost: number
}

/** A message still missing deliveries after this long is counted lost and its slot moves on. */
const LOST_AFTER_MS = 2000

interface InFlight {
  room: number
  sentAt: number
  remaining: number
}

/** Runs the warm-up and the measured window over `options.rooms` and reports the window. */
export async function runFanout(options: FanoutOptions): Promise<FanoutResult> {
  const { rooms, mode } = options
  const text = 'x'.repeat(options.textSize ?? 64)
  const pending = new Map<number, InFlight>()
  const turn = new Array<number>(rooms.length).fill(0)
  const latencies = new Samples()
  let nextId = 0
  let measuring = false
  let stopped = false
  let messages = 0
  let deliveries = 0
  let lost = 0

  const sendFrom = (room: number): void => {
    const members = rooms[room]!
    const sender = members[turn[room]!++ % members.length]!
    const id = nextId++
    const sentAt = performance.now()
    pending.set(id, { room, sentAt, remaining: members.length })
    if (measuring) messages++
    sender.send(`{"action":"message","data":{"m":${id},"text":"${text}"}}`)
  }

  const onFrame = (frame: string): void => {
    const at = frame.indexOf('"m":')
    if (at < 0 || stopped) return
    // parseInt skips the blank Python's json.dumps puts after the colon.
    const id = parseInt(frame.slice(at + 4, at + 24), 10)
    const message = pending.get(id)
    if (message === undefined) return
    if (measuring) {
      deliveries++
      latencies.push((performance.now() - message.sentAt) * 1000)
    }
    if (--message.remaining === 0) {
      pending.delete(id)
      if (mode === 'closed') sendFrom(message.room)
    }
  }
  for (const members of rooms) for (const client of members) client.onFrame = onFrame

  // Bounded: a slot whose message never completes is freed after LOST_AFTER_MS.
  const watchdog = setInterval(() => {
    const now = performance.now()
    for (const [id, message] of pending) {
      if (now - message.sentAt < LOST_AFTER_MS) continue
      pending.delete(id)
      if (measuring) lost++
      if (mode === 'closed' && !stopped) sendFrom(message.room)
    }
  }, 250)

  let clock: NodeJS.Timeout | undefined
  if (mode === 'closed') {
    for (let room = 0; room < rooms.length; room++) {
      for (let i = 0; i < (options.inFlight ?? 1); i++) sendFrom(room)
    }
  } else {
    // Sends whatever the elapsed time calls for on each tick, so a late timer catches up.
    const rate = options.rate ?? 50
    const start = performance.now()
    let sent = 0
    let room = 0
    clock = setInterval(() => {
      const due = Math.floor(((performance.now() - start) / 1000) * rate)
      for (; sent < due; sent++) sendFrom(room++ % rooms.length)
    }, 5)
  }

  await sleep(options.warmupMs)
  options.onMeasureStart?.()
  const started = performance.now()
  measuring = true
  await sleep(options.durationMs)
  measuring = false
  const seconds = (performance.now() - started) / 1000
  options.onMeasureEnd?.()
  stopped = true
  clearInterval(clock)
  clearInterval(watchdog)
  for (const members of rooms) for (const client of members) client.onFrame = null
  return { messages, deliveries, seconds, latenciesUs: latencies.values(), lost }
}
