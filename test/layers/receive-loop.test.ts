/**
 * A consumer on a layer that offers no listener (a third-party layer, or
 * one that implements only the `ChannelLayer` interface) takes its
 * channel's messages with a loop of `receive()` calls. These check that
 * loop through a consumer: order, the end of the loop, and errors.
 */

import { afterEach, describe, expect, it } from 'vitest'

import { JsonWebsocketConsumer } from '../../src/consumers/json-websocket-consumer.js'
import { LayerUnavailable } from '../../src/errors.js'
import type { ChannelLayer, ReceiveOptions } from '../../src/layers/channel-layer.js'
import { isListenable } from '../../src/layers/channel-listener.js'
import { InMemoryChannelLayer } from '../../src/layers/memory.js'
import { configureChannelLayers, resetChannelLayers } from '../../src/layers/registry.js'
import { WebsocketCommunicator } from '../../src/testing/index.js'
import type { GroupJoin } from '../../src/layers/history.js'
import type { LayerMessage } from '../../src/types.js'

/** The in-memory layer behind the bare `ChannelLayer` interface: no listener, receives counted. */
class ReceiveOnlyLayer implements ChannelLayer {
  readonly extensions = ['groups', 'flush']
  readonly inner = new InMemoryChannelLayer()
  /** Receives called and not settled yet. */
  pending = 0
  /** What the next receive fails with, once. */
  failNext: Error | undefined

  send(channel: string, message: LayerMessage): Promise<void> {
    return this.inner.send(channel, message)
  }
  async receive(channel: string, options?: ReceiveOptions): Promise<LayerMessage> {
    const failure = this.failNext
    this.failNext = undefined
    if (failure !== undefined) throw failure
    this.pending++
    try {
      return await this.inner.receive(channel, options)
    } finally {
      this.pending--
    }
  }
  newChannel(prefix?: string): Promise<string> {
    return this.inner.newChannel(prefix)
  }
  groupAdd(group: string, channel: string): Promise<GroupJoin> {
    return this.inner.groupAdd(group, channel)
  }
  groupDiscard(group: string, channel: string): Promise<void> {
    return this.inner.groupDiscard(group, channel)
  }
  groupSend(group: string, message: LayerMessage): Promise<void> {
    return this.inner.groupSend(group, message)
  }
  discardChannel(channel: string): Promise<void> {
    return this.inner.discardChannel(channel)
  }
  flush(): Promise<void> {
    return this.inner.flush()
  }
  close(): Promise<void> {
    return this.inner.close()
  }
}

class RoomConsumer extends JsonWebsocketConsumer {
  static override groups = ['room']

  async roomMessage(message: LayerMessage): Promise<void> {
    // An await inside the handler: the next message must wait for it.
    await Promise.resolve()
    await this.sendJson({ n: message.n })
  }
}

async function connected(layer: ReceiveOnlyLayer): Promise<WebsocketCommunicator> {
  configureChannelLayers({ default: layer })
  const communicator = new WebsocketCommunicator(RoomConsumer.asApp(), '/ws/')
  expect((await communicator.connect()).connected).toBe(true)
  return communicator
}

afterEach(async () => {
  await resetChannelLayers()
})

describe('a consumer on a layer without listeners', () => {
  it('is fed by receive() calls, not a listener', () => {
    const layer = new ReceiveOnlyLayer()
    expect(isListenable(layer, 'specific.inmemory!x')).toBe(false)
  })

  it('handles every group message, one at a time, in order', async () => {
    const layer = new ReceiveOnlyLayer()
    const communicator = await connected(layer)
    for (let n = 0; n < 20; n++) await layer.groupSend('room', { type: 'room.message', n })
    for (let n = 0; n < 20; n++) expect(await communicator.receiveJsonFrom()).toEqual({ n })
    expect(layer.pending).toBe(1)
    await communicator.disconnect()
  })

  it('leaves no receive waiting once the consumer has ended', async () => {
    const layer = new ReceiveOnlyLayer()
    const communicator = await connected(layer)
    expect(layer.pending).toBe(1)
    await communicator.disconnect()
    expect(layer.pending).toBe(0)
    await layer.groupSend('room', { type: 'room.message', n: 1 })
    expect(await communicator.receiveNothing(50)).toBe(true)
  })

  it('stops quietly when its channel is cancelled (the layer flushed)', async () => {
    const layer = new ReceiveOnlyLayer()
    const communicator = await connected(layer)
    await layer.flush()
    expect(layer.pending).toBe(0)
    await communicator.sendJsonTo({ still: 'connected' })
    expect(await communicator.receiveNothing(50)).toBe(true)
    await communicator.disconnect()
  })

  it('fails the consumer when a receive fails with anything but a cancellation', async () => {
    const layer = new ReceiveOnlyLayer()
    const communicator = await connected(layer)
    layer.failNext = new LayerUnavailable('Redis went away')
    // The pending receive ends; the loop's next receive is the failing one.
    await layer.groupSend('room', { type: 'room.message', n: 1 })
    expect(await communicator.receiveJsonFrom()).toEqual({ n: 1 })
    await expect(communicator.receiveOutput()).rejects.toBeInstanceOf(LayerUnavailable)
  })
})
