/**
 * The example's consumers: a WebSocket consumer that asks for thumbnails,
 * and the worker consumer that makes them in another process.
 *
 * @module
 */

import { createHash } from 'node:crypto'

import { Consumer, JsonWebsocketConsumer } from 'tschannels'
import type { LayerMessage } from 'tschannels'

/** What a browser sends: `{ "image": "cat.png", "size": 64 }`. */
export interface ThumbnailRequest {
  image?: unknown
  size?: unknown
}

/** What the browser gets back once the worker is done. */
export interface ThumbnailReady {
  image: string
  size: number
  thumbnail: string
  worker: number
}

/**
 * Takes requests from the browser and hands them to the `thumbnails`
 * channel, with its own channel as the address for the answer; it never
 * blocks on the work itself.
 */
export class ThumbnailRequestConsumer extends JsonWebsocketConsumer<
  ThumbnailRequest,
  ThumbnailReady | { error: string }
> {
  override async receiveJson(content: ThumbnailRequest): Promise<void> {
    if (typeof content?.image !== 'string') {
      await this.sendJson({ error: 'Send {"image": "name.png", "size": 64}.' })
      return
    }
    await this.channelLayer.send('thumbnails', {
      type: 'thumbnails.generate',
      image: content.image.slice(0, 200),
      size: typeof content.size === 'number' ? content.size : 64,
      replyTo: this.channelName,
    })
  }

  /** The worker's answer, sent to this consumer's channel. */
  async thumbnailsDone(message: LayerMessage): Promise<void> {
    await this.sendJson(message.result as ThumbnailReady)
  }
}

/** Runs in the worker process: "renders" the thumbnail and answers the consumer that asked. */
export class ThumbnailWorker extends Consumer {
  async thumbnailsGenerate(message: LayerMessage): Promise<void> {
    const image = String(message.image)
    const size = Number(message.size)
    // Stands in for real image work: a digest of what was asked.
    const thumbnail = createHash('sha256').update(`${image}@${size}`).digest('hex').slice(0, 16)
    const result: ThumbnailReady = { image, size, thumbnail, worker: process.pid }
    await this.channelLayer.send(String(message.replyTo), { type: 'thumbnails.done', result })
  }
}
