/**
 * The systems the jitter benchmark compares, each as a server command and
 * the two kinds of client it needs: a reader that goes through the cutting
 * proxy, and a sender that talks to the server directly.
 *
 * @module
 */

import { io } from 'socket.io-client'
import WebSocket from 'ws'

import { ChannelsClient } from 'tschannels/client'

/** A reader: calls `onNumber` for each numbered message it delivers. */
export interface Reader {
  /** Resolves once the reader is in its room. */
  ready: Promise<void>
  /** Connections opened after the first. */
  reconnects(): number
  /** Reconnects after which the server said the missed messages follow. */
  recovered(): number
  /** Reconnects after which the server said the gap could not be filled. */
  unrecovered(): number
  close(): void
}

/** A sender: numbers go to one room. */
export interface Sender {
  ready: Promise<void>
  send(n: number): void
  close(): void
}

export interface Peer {
  name: string
  /** The server script under bench/jitter/ and its environment. */
  script: string
  env: Record<string, string>
  reader(port: number, room: string, onNumber: (n: number) => void): Reader
  sender(port: number, room: string): Sender
}

const TSCHANNELS: Peer = {
  name: 'tschannels',
  script: 'bench/jitter/tsc-server.ts',
  env: {},
  reader(port, room, onNumber) {
    const client = new ChannelsClient(`ws://127.0.0.1:${port}/ws/room/${room}/`, { WebSocket })
    let reconnects = 0
    let recovered = 0
    let unrecovered = 0
    client.addEventListener('message', (event) => {
      const { n } = event.data as { n?: unknown }
      if (typeof n === 'number') onNumber(n)
    })
    let opens = 0
    client.addEventListener('open', () => {
      if (opens++ > 0) reconnects++
    })
    client.addEventListener('recovered', (event) => {
      if (event.recovered) recovered++
      else unrecovered++
    })
    // In the room once the server has said where the room stands.
    const ready = new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (Object.keys(client.positions).length > 0) {
          clearInterval(check)
          resolve()
        }
      }, 20)
    })
    return {
      ready,
      reconnects: () => reconnects,
      recovered: () => recovered,
      unrecovered: () => unrecovered,
      close: () => client.close(),
    }
  },
  sender(port, room) {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/ws/room/${room}/`)
    socket.on('error', () => {})
    return {
      ready: new Promise((resolve) => socket.once('open', () => resolve())),
      send: (n) => socket.send(JSON.stringify({ n })),
      close: () => socket.terminate(),
    }
  },
}

function socketIo(name: string, recovery: boolean): Peer {
  return {
    name,
    script: 'bench/jitter/socketio-server.ts',
    env: recovery ? { RECOVERY: '1' } : {},
    reader(port, room, onNumber) {
      const socket = io(`http://127.0.0.1:${port}`, { transports: ['websocket'], query: { room } })
      let reconnects = 0
      let connects = 0
      let recovered = 0
      // Socket.IO says on each reconnect whether connection state recovery
      // restored the session (and so replays what was missed).
      socket.on('connect', () => {
        if (connects++ === 0) return
        reconnects++
        if (socket.recovered) recovered++
      })
      socket.on('n', (message: { n?: unknown }) => {
        if (typeof message?.n === 'number') onNumber(message.n)
      })
      return {
        ready: new Promise((resolve) => socket.once('connect', () => resolve())),
        reconnects: () => reconnects,
        recovered: () => recovered,
        unrecovered: () => connects - 1 - recovered,
        close: () => void socket.close(),
      }
    },
    sender(port, room) {
      const socket = io(`http://127.0.0.1:${port}`, { transports: ['websocket'], query: { room: 'senders' } })
      return {
        ready: new Promise((resolve) => socket.once('connect', () => resolve())),
        send: (n) => void socket.emit('n', { room, n }),
        close: () => void socket.close(),
      }
    },
  }
}

export const PEERS: readonly Peer[] = [
  TSCHANNELS,
  socketIo('socketio-redis', false),
  socketIo('socketio-redis-recovery', true),
]
