/**
 * The minimal tschannels chat, without auth: the Channels tutorial's
 * consumer in tschannels, broadcasting with `groupSendJson()` (the frame is
 * encoded once, by the sender). With `BENCH_STYLE=tutorial` it broadcasts
 * the tutorial's way instead (`groupSend()` of the data, and every member's
 * handler encodes its own copy with `sendJson()`), to measure what that
 * costs. Served with `tschannels serve bench/peers/minimal-app.ts`;
 * `BENCH_LAYER` picks the channel layer (`memory`, `redis`, `redis-pubsub`;
 * Redis at `REDIS_URL`).
 *
 * @module
 */

import {
  JsonWebsocketConsumer,
  ProtocolTypeRouter,
  URLRouter,
  configureChannelLayers,
  rePath,
} from 'tschannels'
import type { Application, LayerMessage } from 'tschannels'

const backend = process.env.BENCH_LAYER ?? 'memory'
if (backend === 'memory') {
  configureChannelLayers({ default: { backend: 'memory', options: { capacity: 1000 } } })
} else {
  await import('tschannels/layers/redis')
  const hosts = [process.env.REDIS_URL ?? 'redis://127.0.0.1:6379']
  configureChannelLayers({
    default: { backend: backend as 'redis' | 'redis-pubsub', options: { hosts, capacity: 1000 } },
  })
}
const tutorial = process.env.BENCH_STYLE === 'tutorial'
let nextId = 0

type In = { action?: unknown; data?: Record<string, unknown> }

/** One connection to one room. */
export class MinimalChatConsumer extends JsonWebsocketConsumer<In> {
  #group = ''

  override async connect(): Promise<void> {
    this.#group = `room.${String(this.scope.urlRoute?.kwargs.room)}`
    await this.channelLayer.groupAdd(this.#group, this.channelName)
    await this.accept()
  }

  override async receiveJson(content: In): Promise<void> {
    if (content.action !== 'message' || typeof content.data?.text !== 'string') return
    const time = Date.now() / 1000
    const text = content.data.text.trim()
    const data = { ...content.data, id: ++nextId, text, username: 'anon', uid: this.channelName, time }
    if (tutorial) await this.channelLayer.groupSend(this.#group, { type: 'chat.message', data, time })
    else await this.groupSendJson(this.#group, { action: 'message', data, time })
  }

  async chatMessage(message: LayerMessage): Promise<void> {
    await this.sendJson({ action: 'message', data: message.data, time: message.time })
  }

  override async disconnect(): Promise<void> {
    await this.channelLayer.groupDiscard(this.#group, this.channelName)
  }
}

/** What `tschannels serve bench/peers/minimal-app.ts` runs. */
export const application: Application = ProtocolTypeRouter({
  websocket: URLRouter([rePath('^ws/chat/(?<room>[A-Za-z0-9_-]{1,64})/$', MinimalChatConsumer.asApp())]),
})
