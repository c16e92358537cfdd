import { afterEach, describe, expect, it } from 'vitest'

import { Consumer } from '../../src/consumers/consumer.js'
import { JsonWebsocketConsumer } from '../../src/consumers/json-websocket-consumer.js'
import type { ReceivedData } from '../../src/consumers/websocket-consumer.js'
import { WebsocketConsumer } from '../../src/consumers/websocket-consumer.js'
import { InvalidMessageType, NoHandler } from '../../src/errors.js'
import { configureChannelLayers, getChannelLayer, resetChannelLayers } from '../../src/layers/registry.js'
import { ApplicationCommunicator } from '../../src/testing/application-communicator.js'
import type { LayerMessage, Message } from '../../src/types.js'

afterEach(async () => {
  await resetChannelLayers()
})

/**
 * A consumer that overrides the base classes' members, so that a call to any
 * of them through a message would show in `calls`, and that defines a getter
 * and a data property besides its one real handler.
 */
function makeTarget(calls: string[]) {
  return class Target extends JsonWebsocketConsumer {
    label = 'a data property'
    get secret(): string {
      calls.push('secret')
      return 'a getter'
    }
    override async connect() {
      await super.connect()
      await this.send({ text: this.channelName })
    }
    override async accept(subprotocol?: string | null) {
      calls.push('accept')
      await super.accept(subprotocol)
    }
    override async close(code?: number) {
      calls.push('close')
      await super.close(code)
    }
    override send(data: { text: string }) {
      calls.push('send')
      return super.send(data)
    }
    override async receive(data: ReceivedData) {
      calls.push('receive')
      await super.receive(data)
    }
    override async receiveJson(content: unknown) {
      calls.push('receiveJson')
      await super.receiveJson(content)
    }
    override async disconnect(code: number) {
      calls.push('disconnect')
      await super.disconnect(code)
    }
    override async invalidFrame() {
      calls.push('invalidFrame')
    }
    override baseSend(message: Message) {
      calls.push(`baseSend ${message.type}`)
      return super.baseSend(message)
    }
    override dispatch(message: Message) {
      calls.push(`dispatch ${message.type}`)
      return super.dispatch(message)
    }
    async chatMessage(message: LayerMessage) {
      calls.push(`chatMessage ${String(message.text)}`)
    }
  }
}

/** Connects a fresh target and returns it with its channel name and its record of calls. */
async function connected() {
  configureChannelLayers({ default: { backend: 'memory' } })
  const calls: string[] = []
  const communicator = new ApplicationCommunicator(makeTarget(calls).asApp(), {
    type: 'websocket',
    httpVersion: '1.1',
    scheme: 'ws',
    path: '/',
    rawPath: '/',
    queryString: '',
    rootPath: '',
    headers: [],
    client: null,
    server: null,
    subprotocols: [],
  })
  await communicator.sendInput({ type: 'websocket.connect' })
  expect(await communicator.receiveOutput()).toMatchObject({ type: 'websocket.accept' })
  const { text: channel } = await communicator.receiveOutput()
  calls.length = 0
  return { communicator, channel: channel as string, calls }
}

describe('Consumer', () => {
  describe('#dispatch of channel-layer messages', () => {
    it.each([
      'accept',
      'close',
      'send',
      'send.json',
      'group.send.json',
      'base.send',
      'dispatch',
      'connect',
      'disconnect',
      'receive',
      'receive.json',
      'invalid.frame',
      'decode.json',
      'encode.json',
      'channel.layer',
      'channel_name',
      'kwargs',
      'scope',
      'websocket.connect',
      'websocket.receive',
      'websocket.disconnect',
      'constructor',
      '__proto__',
      'to.string',
      'value.of',
      'has.own.property',
      'is_prototype_of',
      'secret',
      'label',
    ])(
      "never reaches a base-class member, an object built-in or a non-method through type '%s'",
      async (type) => {
        const { communicator, channel, calls } = await connected()
        await getChannelLayer()!.send(channel, {
          type,
          text: 'injected',
          code: 4000,
          bytes: new Uint8Array(1),
        })
        const error = await communicator.wait().catch((e: unknown) => e)
        expect([NoHandler, InvalidMessageType]).toContain((error as Error).constructor)
        // The consumer's own override of dispatch saw the message; nothing else ran.
        expect(calls).toEqual([`dispatch ${type}`])
      },
    )

    it('says why a base-class member is not a handler', async () => {
      const { communicator, channel } = await connected()
      await getChannelLayer()!.send(channel, { type: 'close', code: 4000 })
      const error = (await communicator.wait().catch((e: unknown) => e)) as NoHandler
      expect(error).toBeInstanceOf(NoHandler)
      expect(error.message).toMatch(
        /no handler for message type 'close': close is a WebsocketConsumer method/,
      )
    })

    it('refuses a server event that arrives through the layer, but takes it from the server', async () => {
      const { communicator, channel, calls } = await connected()
      await communicator.sendInput({ type: 'websocket.receive', text: '{"from":"client"}' })
      await communicator.sendInput({ type: 'websocket.receive', text: '{"from":"client"}' })
      await getChannelLayer()!.send(channel, { type: 'chat.message', text: 'still alive' })
      await expect.poll(() => calls.includes('chatMessage still alive')).toBe(true)
      expect(calls.filter((call) => call === 'receiveJson')).toHaveLength(2)
      await getChannelLayer()!.send(channel, { type: 'websocket.receive', text: '{"from":"layer"}' })
      const error = (await communicator.wait().catch((e: unknown) => e)) as NoHandler
      expect(error.message).toMatch(/only the server sends, and this message came from the channel layer/)
      expect(calls.filter((call) => call === 'receiveJson')).toHaveLength(2)
    })

    it('still reaches the handlers a consumer defines and the layer handlers of the base classes', async () => {
      const { communicator, channel, calls } = await connected()
      const layer = getChannelLayer()!
      await layer.send(channel, { type: 'chat.message', text: 'hi' })
      await layer.send(channel, { type: 'chat_message', text: 'again' })
      await layer.send(channel, { type: 'websocket.frame', text: 'a frame' })
      await layer.send(channel, { type: 'layer.reconnected' })
      expect(await communicator.receiveOutput()).toEqual({ type: 'websocket.send', text: 'a frame' })
      await expect.poll(() => calls.length).toBe(8)
      expect(calls).toEqual([
        'dispatch chat.message',
        'chatMessage hi',
        'dispatch chat_message',
        'chatMessage again',
        'dispatch websocket.frame',
        'send',
        'baseSend websocket.send',
        'dispatch layer.reconnected',
      ])
      await communicator.sendInput({ type: 'websocket.disconnect', code: 1000 })
      await communicator.wait()
    })

    it('treats the messages a worker receives on a channel scope as layer messages', async () => {
      const seen: string[] = []
      class Worker extends Consumer {
        async jobRun(message: LayerMessage) {
          seen.push(String(message.id))
        }
        override async baseSend(message: Message) {
          seen.push('baseSend')
          await super.baseSend(message)
        }
      }
      const communicator = new ApplicationCommunicator(Worker.asApp(), { type: 'channel', channel: 'jobs' })
      await communicator.sendInput({ type: 'job.run', id: 1 })
      await communicator.sendInput({ type: 'base.send', message: { type: 'websocket.close' } })
      await expect(communicator.wait()).rejects.toThrow(NoHandler)
      expect(seen).toEqual(['1'])
    })
  })

  describe('#dispatch of the server events', () => {
    it('reaches a WebsocketConsumer override of a server-event handler', async () => {
      const seen: string[] = []
      class Raw extends WebsocketConsumer {
        override async websocketReceive() {
          seen.push('websocketReceive')
        }
      }
      const communicator = new ApplicationCommunicator(Raw.asApp(), {
        type: 'websocket',
        httpVersion: '1.1',
        scheme: 'ws',
        path: '/',
        rawPath: '/',
        queryString: '',
        rootPath: '',
        headers: [],
        client: null,
        server: null,
        subprotocols: [],
      })
      await communicator.sendInput({ type: 'websocket.connect' })
      await communicator.receiveOutput()
      await communicator.sendInput({ type: 'websocket.receive', text: 'x' })
      await expect.poll(() => seen).toEqual(['websocketReceive'])
      await communicator.sendInput({ type: 'websocket.disconnect', code: 1000 })
      await communicator.wait()
    })
  })
})
