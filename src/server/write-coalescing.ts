/**
 * Frames sent to one socket during one turn of the event loop leave in at
 * most two system calls. A busy server delivers several messages to the
 * same client per turn (a room whose members chat at once, a batch of
 * messages read from Redis together); `ws` writes each frame with its own
 * `writev`, and those calls are most of the CPU a fan-out costs.
 *
 * The first frame of a turn is written at once, so a lightly loaded server
 * adds no latency; a second frame to the same socket in the same turn corks
 * it, and one `setImmediate` per turn, after every I/O callback of the turn
 * has run, uncorks every corked socket. Nothing waits beyond the turn that
 * produced it, and a socket holding more than `FLUSH_BYTES` is written out
 * at once, so a bulk send (a page of history) streams as before.
 *
 * @module
 * @internal
 */

import type { Duplex } from 'node:stream'

/** Held bytes above which a corked socket is written out without waiting for the turn's end. */
const FLUSH_BYTES = 64 * 1024

/** The current turn's number; it changes when the turn's `setImmediate` runs. */
let turn = 1
let turnEndScheduled = false
let corked: Duplex[] = []

function endTurn(): void {
  turn++
  turnEndScheduled = false
  const sockets = corked
  corked = []
  // uncork() on a socket that has ended or been destroyed since is harmless.
  for (const socket of sockets) socket.uncork()
}

/**
 * Call before writing a frame to `socket`, with the turn number this
 * function returned for the socket's previous frame (0 for none); keep the
 * number it returns for the next frame.
 * @internal
 */
export function beforeFrame(socket: Duplex, previousTurn: number): number {
  // `ws` corks and uncorks within each send, so a non-zero count here is ours.
  if (previousTurn === turn) {
    if (socket.writableCorked === 0) {
      socket.cork()
      corked.push(socket)
    } else if (socket.writableLength >= FLUSH_BYTES) {
      // Enough for a full write: send what is held now and keep holding what follows.
      socket.uncork()
      socket.cork()
    }
  }
  if (!turnEndScheduled) {
    turnEndScheduled = true
    setImmediate(endTurn)
  }
  return turn
}
