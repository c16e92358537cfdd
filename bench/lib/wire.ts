/**
 * The load generator's client connection. Every peer speaks the chat
 * contract's JSON (`{"action": "message", "data": {...}}`); Socket.IO wraps
 * it in its own framing (`42["message", {...}]`), which this client speaks
 * directly over `ws` (Engine.IO 4 open, namespace connect, ping/pong) so that
 * every peer is driven by the same client code at the same cost.
 *
 * @module
 */

import WebSocket from 'ws'

/** How a peer frames the chat JSON: bare, or as a Socket.IO event. */
export type Wire = 'json' | 'socketio'

/** Where and how to connect one client. */
export interface ClientOptions {
  url: string
  wire: Wire
  /** Sent as the `Origin` header (the chat refuses handshakes without an allowed one). */
  origin?: string
  /** Loopback source address, to get past the ephemeral-port limit with many connections. */
  localAddress?: string
  /** Give up on the handshake after this long. @default 10000 */
  timeoutMs?: number
}

/** One open connection of the load generator. */
export class BenchClient {
  /** Called with every application frame (Socket.IO framing removed from the front, not parsed). */
  onFrame: ((text: string) => void) | null = null
  readonly socket: WebSocket
  readonly #wire: Wire

  constructor(socket: WebSocket, wire: Wire) {
    this.socket = socket
    this.#wire = wire
  }

  /** Sends one chat JSON message (`payload` is already encoded). */
  send(payload: string): void {
    this.socket.send(this.#wire === 'socketio' ? `42["message",${payload}]` : payload)
  }

  /** Closes politely, and drops the socket if the peer does not answer in time. */
  close(): Promise<void> {
    const socket = this.socket
    if (socket.readyState === WebSocket.CLOSED) return Promise.resolve()
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        socket.terminate()
        resolve()
      }, 2000)
      socket.once('close', () => {
        clearTimeout(timer)
        resolve()
      })
      socket.close(1000)
    })
  }
}

/** Opens one client and resolves once the peer can take chat messages. */
export function openClient(options: ClientOptions): Promise<BenchClient> {
  const socket = new WebSocket(options.url, {
    perMessageDeflate: false,
    // The generator's CPU is the scarcest thing in the run; the peers' frames are trusted.
    skipUTF8Validation: true,
    ...(options.origin !== undefined ? { origin: options.origin } : {}),
    ...(options.localAddress !== undefined ? { localAddress: options.localAddress } : {}),
  })
  const client = new BenchClient(socket, options.wire)
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.terminate()
      reject(new Error(`handshake timed out: ${options.url}`))
    }, options.timeoutMs ?? 10_000)
    const ready = (): void => {
      clearTimeout(timer)
      resolve(client)
    }
    socket.once('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    socket.once('close', (code) => {
      clearTimeout(timer)
      reject(new Error(`closed during the handshake with ${code}: ${options.url}`))
    })
    if (options.wire === 'json') socket.once('open', ready)
    socket.on('message', (data: Buffer) => {
      const text = data.toString()
      if (options.wire === 'json') {
        client.onFrame?.(text)
        return
      }
      // Engine.IO packet type, then Socket.IO packet type: 4 message + 2 event.
      if (text.startsWith('42')) client.onFrame?.(text)
      else if (text === '2') socket.send('3')
      else if (text.startsWith('40')) ready()
      else if (text.startsWith('0')) socket.send('40')
    })
  })
}

/** Opens `count` clients, at most `concurrency` handshakes at a time; closes them all if one fails. */
export async function openClients(
  count: number,
  optionsFor: (index: number) => ClientOptions,
  concurrency = 64,
): Promise<BenchClient[]> {
  const clients: BenchClient[] = new Array<BenchClient>(count)
  let next = 0
  let failure: unknown = null
  const worker = async (): Promise<void> => {
    while (next < count && failure === null) {
      const index = next++
      try {
        clients[index] = await openClient(optionsFor(index))
      } catch (error) {
        failure ??= error
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker))
  if (failure !== null) {
    await closeClients(clients.filter(Boolean))
    throw failure instanceof Error ? failure : new Error('a handshake failed', { cause: failure })
  }
  return clients
}

/** Closes every client, `concurrency` at a time. */
export async function closeClients(clients: readonly BenchClient[], concurrency = 512): Promise<void> {
  for (let i = 0; i < clients.length; i += concurrency) {
    await Promise.all(clients.slice(i, i + concurrency).map((client) => client.close()))
  }
}
