/**
 * The applications the echo benchmark serves through `tschannels serve`:
 * `application`, a `WebsocketConsumer` that sends every frame back, and
 * `plain`, the same echo as a bare Application (no consumer), which
 * separates the server's cost from the consumer's.
 *
 * @module
 */

import { WebsocketConsumer } from '../../src/consumers/websocket-consumer.js'
import type { ReceivedData } from '../../src/consumers/websocket-consumer.js'
import type { Application } from '../../src/types.js'

/** Sends each frame back as it came. */
export class EchoConsumer extends WebsocketConsumer {
  override async receive({ text, bytes }: ReceivedData): Promise<void> {
    await this.send(text !== undefined ? { text } : { bytes: bytes! })
  }
}

/** The consumer as an application: what `tschannels serve bench/echo/app.ts` runs. */
export const application: Application = EchoConsumer.asApp()

/** The same echo without a consumer. */
export const plain: Application = async (_scope, receive, send) => {
  for (;;) {
    const event = await receive()
    switch (event.type) {
      case 'websocket.connect':
        await send({ type: 'websocket.accept' })
        break
      case 'websocket.receive': {
        const { text, bytes } = event as { text?: string; bytes?: Uint8Array }
        await send(text != null ? { type: 'websocket.send', text } : { type: 'websocket.send', bytes })
        break
      }
      case 'websocket.disconnect':
        return
    }
  }
}
