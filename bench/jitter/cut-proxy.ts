/**
 * A TCP proxy in front of one client's connections that can cut them: a
 * cut destroys the connection that is open and refuses new ones until it
 * ends, as a phone going through a tunnel would see it.
 *
 * @module
 */

import { connect, createServer } from 'node:net'
import type { AddressInfo, Server, Socket } from 'node:net'

export class CutProxy {
  readonly #target: number
  readonly #server: Server
  readonly #open = new Set<Socket>()
  #cutUntil = 0

  constructor(targetPort: number) {
    this.#target = targetPort
    this.#server = createServer((client) => this.#accept(client))
  }

  /** Listens on a free port of 127.0.0.1 and returns it. */
  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve))
    return (this.#server.address() as AddressInfo).port
  }

  /** Destroys what is open and refuses connections for `ms`. */
  cut(ms: number): void {
    this.#cutUntil = Date.now() + ms
    for (const socket of this.#open) socket.destroy()
    this.#open.clear()
  }

  /** True while a cut lasts. */
  get cutting(): boolean {
    return Date.now() < this.#cutUntil
  }

  async close(): Promise<void> {
    for (const socket of this.#open) socket.destroy()
    await new Promise((resolve) => this.#server.close(resolve))
  }

  #accept(client: Socket): void {
    if (this.cutting) {
      client.destroy()
      return
    }
    const upstream = connect(this.#target, '127.0.0.1')
    client.setNoDelay(true)
    upstream.setNoDelay(true)
    for (const socket of [client, upstream]) {
      this.#open.add(socket)
      socket.on('error', () => {})
      socket.on('close', () => {
        this.#open.delete(socket)
        client.destroy()
        upstream.destroy()
      })
    }
    client.pipe(upstream)
    upstream.pipe(client)
  }
}
