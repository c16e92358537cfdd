/**
 * The example's consumers: a plain echo and a tiny group broadcast.
 *
 * @module
 */

import { JsonWebsocketConsumer, WebsocketConsumer } from 'tschannels'
import type { LayerMessage, ReceivedData } from 'tschannels'

/** Sends every frame back as it came, text or binary. */
export class EchoConsumer extends WebsocketConsumer {
  override async receive({ text, bytes }: ReceivedData): Promise<void> {
    if (text !== undefined) await this.send({ text })
    else if (bytes !== undefined) await this.send({ bytes })
  }
}

/** What a broadcast client sends: `{ "text": "..." }`. */
export interface BroadcastIn {
  text?: unknown
}

/** What every member of the room receives. */
export interface BroadcastOut {
  room: string
  text: string
}

/**
 * Everyone connected to `/ws/broadcast/<room>/` receives every message sent
 * by anyone in the same room, through the channel layer's groups.
 */
export class BroadcastConsumer extends JsonWebsocketConsumer<BroadcastIn, BroadcastOut | { error: string }> {
  get room(): string {
    return String(this.scope.urlRoute?.kwargs.room)
  }

  get group(): string {
    return `broadcast.${this.room}`
  }

  override async connect(): Promise<void> {
    await this.channelLayer.groupAdd(this.group, this.channelName)
    await this.accept()
  }

  override async receiveJson(content: BroadcastIn): Promise<void> {
    if (typeof content !== 'object' || content === null || typeof content.text !== 'string') {
      await this.sendJson({ error: 'Send {"text": "..."}.' })
      return
    }
    await this.channelLayer.groupSend(this.group, {
      type: 'broadcast.message',
      text: content.text.slice(0, 1000),
    })
  }

  /** Handles the group's `broadcast.message` events. */
  async broadcastMessage(message: LayerMessage): Promise<void> {
    await this.sendJson({ room: this.room, text: String(message.text) })
  }

  override async disconnect(): Promise<void> {
    await this.channelLayer.groupDiscard(this.group, this.channelName)
  }
}
