import { afterEach, describe, expect, it, vi } from 'vitest'

import { answerClientFrame } from '../../src/consumers/client-protocol.js'
import { JsonWebsocketConsumer } from '../../src/consumers/json-websocket-consumer.js'
import { InMemoryChannelLayer } from '../../src/layers/memory.js'
import { configureChannelLayers, resetChannelLayers } from '../../src/layers/registry.js'
import { WebsocketCommunicator } from '../../src/testing/websocket-communicator.js'

afterEach(async () => {
  await resetChannelLayers()
})

class RoomConsumer extends JsonWebsocketConsumer {
  override async receiveJson(content: unknown): Promise<void> {
    if (await answerClientFrame(this, content, { groups: ['room'] })) return
    await this.sendJson({ echo: content })
  }
}

describe('answerClientFrame', () => {
  it('honours one resume per connection, so a client cannot queue the history again and again', async () => {
    const layer = new InMemoryChannelLayer({ history: { room: { size: 100, ttl: 60 } } })
    configureChannelLayers({ default: layer })
    const groupAdd = vi.spyOn(layer, 'groupAdd')
    const communicator = new WebsocketCommunicator(RoomConsumer.asApp(), '/')
    await communicator.connect()
    const since = { room: { epoch: 'unknown', offset: 0 } }
    await communicator.sendJsonTo({ type: 'resume', positions: since })
    expect(await communicator.receiveJsonFrom()).toMatchObject({ type: 'resumed' })
    for (let i = 0; i < 3; i++) await communicator.sendJsonTo({ type: 'resume', positions: since })
    await communicator.sendJsonTo({ n: 1 })
    // The next frame is the echo: the later resumes were answered with nothing and joined nothing.
    expect(await communicator.receiveJsonFrom()).toEqual({ echo: { n: 1 } })
    expect(groupAdd).toHaveBeenCalledTimes(1)
    await communicator.disconnect()
  })
})
