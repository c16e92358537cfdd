import { once } from 'node:events'

import * as v from 'valibot'
import { afterEach, describe, expect, it } from 'vitest'
import { z } from 'zod'

import type { MessagesOfSchemas, StandardSchemaV1 } from '../../src/consumers/index.js'
import { JsonWebsocketConsumer } from '../../src/consumers/json-websocket-consumer.js'
import { WebsocketConsumer } from '../../src/consumers/websocket-consumer.js'
import type { InvalidFrame } from '../../src/errors.js'
import { ImproperlyConfigured, InvalidContent, InvalidLayerMessage } from '../../src/errors.js'
import { configureChannelLayers, getChannelLayer, resetChannelLayers } from '../../src/layers/registry.js'
import { WebsocketCommunicator } from '../../src/testing/websocket-communicator.js'
import type { MessageOf } from '../../src/types.js'

afterEach(async () => {
  await resetChannelLayers()
})

const ZodFrame = z.object({
  action: z.literal('message'),
  text: z.string().trim().min(1).max(20),
  tags: z.array(z.string()).default([]),
})
const ValibotFrame = v.object({
  action: v.literal('message'),
  text: v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(20)),
  tags: v.optional(v.array(v.string()), []),
})

/** An echo of what receiveJson() got, with each kind of schema. */
function echoWith(frameSchema: StandardSchemaV1) {
  return class Echo extends JsonWebsocketConsumer {
    static override frameSchema = frameSchema
    override async receiveJson(content: unknown) {
      await this.sendJson({ got: content })
    }
  }
}

describe('JsonWebsocketConsumer', () => {
  describe('.frameSchema', () => {
    it.each([
      ['zod', ZodFrame],
      ['valibot', ValibotFrame],
    ] as const)('hands receiveJson() what the %s schema outputs', async (_vendor, schema) => {
      const communicator = new WebsocketCommunicator(echoWith(schema).asApp(), '/')
      await communicator.connect()
      await communicator.sendJsonTo({ action: 'message', text: '  hi  ' })
      expect(await communicator.receiveJsonFrom()).toEqual({
        got: { action: 'message', text: 'hi', tags: [] },
      })
      await communicator.disconnect()
    })

    it.each([
      ['zod', ZodFrame],
      ['valibot', ValibotFrame],
    ] as const)(
      'closes with 1007 on content the %s schema refuses, without reaching receiveJson() or other connections',
      async (_vendor, schema) => {
        const app = echoWith(schema).asApp()
        const bad = new WebsocketCommunicator(app, '/')
        const good = new WebsocketCommunicator(app, '/')
        await bad.connect()
        await good.connect()
        await bad.sendJsonTo({ action: 'message', text: 'x'.repeat(50) })
        expect(await bad.receiveOutput()).toEqual({
          type: 'websocket.close',
          code: 1007,
          reason: 'Invalid message',
        })
        await good.sendJsonTo({ action: 'message', text: 'still here' })
        expect(await good.receiveJsonFrom()).toEqual({
          got: { action: 'message', text: 'still here', tags: [] },
        })
        await good.disconnect()
      },
    )

    it('reports the issues to an invalidFrame() override, which may answer and keep the connection', async () => {
      const seen: InvalidFrame[] = []
      class Lenient extends JsonWebsocketConsumer<z.infer<typeof ZodFrame>> {
        static override frameSchema = ZodFrame
        override async receiveJson(content: z.infer<typeof ZodFrame>) {
          await this.sendJson({ got: content.text })
        }
        override async invalidFrame(error: InvalidFrame) {
          seen.push(error)
          if (error instanceof InvalidContent)
            await this.sendJson({ error: error.code, issues: error.issues })
          else await super.invalidFrame(error)
        }
      }
      const communicator = new WebsocketCommunicator(Lenient.asApp(), '/')
      await communicator.connect()
      await communicator.sendJsonTo({ action: 'shout', text: 42 })
      expect(await communicator.receiveJsonFrom()).toEqual({
        error: 'CHANNELS_ERR_INVALID_CONTENT',
        issues: [
          { path: 'action', message: expect.any(String) as string },
          { path: 'text', message: expect.any(String) as string },
        ],
      })
      expect(seen[0]).toBeInstanceOf(InvalidContent)
      expect(seen[0]?.closeCode).toBe(1007)
      await communicator.sendJsonTo({ action: 'message', text: 'ok' })
      expect(await communicator.receiveJsonFrom()).toEqual({ got: 'ok' })
      await communicator.disconnect()
    })

    it('waits for an asynchronous schema', async () => {
      const asyncSchema: StandardSchemaV1<unknown, { n: number }> = {
        '~standard': {
          version: 1,
          vendor: 'test',
          validate: async (value) => {
            await new Promise((resolve) => setImmediate(resolve))
            const n = (value as { n?: unknown }).n
            return typeof n === 'number'
              ? { value: { n: n * 2 } }
              : { issues: [{ message: 'n must be a number' }] }
          },
        },
      }
      const communicator = new WebsocketCommunicator(echoWith(asyncSchema).asApp(), '/')
      await communicator.connect()
      await communicator.sendJsonTo({ n: 21 })
      expect(await communicator.receiveJsonFrom()).toEqual({ got: { n: 42 } })
      await communicator.sendJsonTo({ n: 'x' })
      expect(await communicator.receiveOutput()).toMatchObject({ type: 'websocket.close', code: 1007 })
    })
  })
})

const roomSchemas = {
  'chat.message': z.object({ text: z.string().max(20), username: z.string() }),
  'user.joined': v.object({ username: v.pipe(v.string(), v.toUpperCase()) }),
}
type RoomMessages = MessagesOfSchemas<typeof roomSchemas>

class Room extends WebsocketConsumer<{ messages: RoomMessages }> {
  static override groups = ['room']
  static override messageSchemas = roomSchemas
  async chatMessage(message: MessageOf<RoomMessages, 'chat.message'>) {
    await this.send({ text: `${message.username}: ${message.text}` })
  }
  async userJoined(message: MessageOf<RoomMessages, 'user.joined'>) {
    await this.send({ text: `${message.type} ${message.username}` })
  }
}

describe('Consumer', () => {
  describe('.messageSchemas', () => {
    it('hands the handler what the schema outputs, type included', async () => {
      configureChannelLayers({ default: { backend: 'memory' } })
      const communicator = new WebsocketCommunicator(Room.asApp(), '/')
      await communicator.connect()
      await getChannelLayer()!.groupSend('room', { type: 'user.joined', username: 'ann' })
      expect(await communicator.receiveFrom()).toBe('user.joined ANN')
      await communicator.disconnect()
    })

    it('drops a message that fails, with a warning, and every member keeps its connection', async () => {
      configureChannelLayers({ default: { backend: 'memory' } })
      const alice = new WebsocketCommunicator(Room.asApp(), '/')
      const bob = new WebsocketCommunicator(Room.asApp(), '/')
      await alice.connect()
      await bob.connect()
      const warned = once(process, 'warning') as Promise<[Error & { code?: string }]>
      await getChannelLayer()!.groupSend('room', { type: 'chat.message', text: 'x'.repeat(50) })
      const [warning] = await warned
      expect(warning.code).toBe('CHANNELS_WRN_050')
      expect(warning.message).toMatch(/Room refused a 'chat.message' message .*text: .*username: /)
      await getChannelLayer()!.groupSend('room', { type: 'chat.message', text: 'hi', username: 'bob' })
      expect(await alice.receiveFrom()).toBe('bob: hi')
      expect(await bob.receiveFrom()).toBe('bob: hi')
      await alice.disconnect()
      await bob.disconnect()
    })

    it('lets an invalidMessage() override decide, here to end the consumer', async () => {
      configureChannelLayers({ default: { backend: 'memory' } })
      class Strict extends Room {
        override async invalidMessage(error: InvalidLayerMessage) {
          throw error
        }
      }
      const communicator = new WebsocketCommunicator(Strict.asApp(), '/')
      await communicator.connect()
      await getChannelLayer()!.groupSend('room', { type: 'user.joined', username: 7 })
      const error = await communicator.wait().catch((e: unknown) => e)
      expect(error).toBeInstanceOf(InvalidLayerMessage)
      expect((error as InvalidLayerMessage).messageType).toBe('user.joined')
      expect((error as InvalidLayerMessage).issues[0]?.path).toBe('username')
    })

    it('refuses an entry that is not a Standard Schema', async () => {
      configureChannelLayers({ default: { backend: 'memory' } })
      class Broken extends WebsocketConsumer {
        static override groups = ['room']
        static override messageSchemas = {
          'chat.message': { parse: () => true } as unknown as StandardSchemaV1,
        }
        async chatMessage() {}
      }
      const communicator = new WebsocketCommunicator(Broken.asApp(), '/')
      await communicator.connect()
      await getChannelLayer()!.groupSend('room', { type: 'chat.message' })
      await expect(communicator.wait()).rejects.toThrow(ImproperlyConfigured)
    })
  })
})
