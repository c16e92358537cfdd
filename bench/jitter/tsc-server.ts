/**
 * The jitter benchmark's tschannels server: rooms on the Redis pub/sub
 * layer with history, joined through `answerClientFrame()` so that a client
 * that comes back resumes where it was. A sender's `{ "n": 7 }` goes to
 * the room with `groupSendJson()`.
 *
 * @module
 */

import type { AddressInfo } from 'node:net'

import { JsonWebsocketConsumer, URLRouter, answerClientFrame, configureChannelLayers, path } from 'tschannels'
import { RedisPubSubChannelLayer } from 'tschannels/redis'
import { serve } from 'tschannels/server'

configureChannelLayers({
  default: new RedisPubSubChannelLayer({
    hosts: [process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'],
    prefix: 'jitter',
    history: { 'room.*': { size: 100_000, ttl: 600 } },
  }),
})

class RoomConsumer extends JsonWebsocketConsumer {
  get #group(): string {
    return `room.${String(this.scope.urlRoute?.kwargs.room)}`
  }

  override async receiveJson(content: unknown): Promise<void> {
    if (await answerClientFrame(this, content, { groups: [this.#group] })) return
    const { n } = content as { n?: unknown }
    if (typeof n === 'number') await this.groupSendJson(this.#group, { n })
  }
}

const server = await serve(URLRouter([path('ws/room/<slug:room>/', RoomConsumer.asApp())]), {
  host: '127.0.0.1',
  port: 0,
  logger: { error: (message) => console.error(message), warn() {}, info() {} },
})
const { port } = server.address() as AddressInfo
process.stderr.write(`tschannels jitter: listening on http://127.0.0.1:${port} (pid ${process.pid})\n`)
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)))
