import { afterEach, describe, expect, it } from 'vitest'

import { Consumer } from '../../src/consumers/consumer.js'
import { ImproperlyConfigured, NoHandler, StopConsumer } from '../../src/errors.js'
import { InMemoryChannelLayer } from '../../src/layers/memory.js'
import { configureChannelLayers, getChannelLayer, resetChannelLayers } from '../../src/layers/registry.js'
import { WebsocketConsumer } from '../../src/consumers/websocket-consumer.js'
import { path, rePath } from '../../src/routing/route.js'
import { URLRouter } from '../../src/routing/url-router.js'
import { ApplicationCommunicator } from '../../src/testing/application-communicator.js'
import { WebsocketCommunicator } from '../../src/testing/websocket-communicator.js'
import type { ChannelScope, LayerMessage } from '../../src/types.js'

const channelScope: ChannelScope = { type: 'channel', channel: 'jobs' }

afterEach(async () => {
  await resetChannelLayers()
})

describe('Consumer', () => {
  describe('#dispatch', () => {
    it('calls the method named after the message type', async () => {
      class Jobs extends Consumer {
        async jobRun(message: LayerMessage) {
          await this.baseSend({ type: 'job.done', id: message.id })
        }
      }
      const communicator = new ApplicationCommunicator(Jobs.asApp(), channelScope)
      await communicator.sendInput({ type: 'job.run', id: 7 })
      expect(await communicator.receiveOutput()).toEqual({ type: 'job.done', id: 7 })
    })

    it('raises NoHandler naming the method it looked for', async () => {
      class Jobs extends Consumer {}
      const communicator = new ApplicationCommunicator(Jobs.asApp(), channelScope)
      await communicator.sendInput({ type: 'job.run' })
      const error = await communicator.wait().catch((e: unknown) => e)
      expect(error).toBeInstanceOf(NoHandler)
      expect((error as NoHandler).handlerName).toBe('jobRun')
      expect((error as Error).message).toMatch(
        /Jobs has no handler for message type 'job.run'.*'jobRun\(message\)'/,
      )
    })

    it('never reaches the dispatch machinery itself through a message type', async () => {
      class Jobs extends Consumer {}
      const communicator = new ApplicationCommunicator(Jobs.asApp(), channelScope)
      await communicator.sendInput({ type: 'dispatch' })
      await expect(communicator.wait()).rejects.toThrow(NoHandler)
    })

    it('handles messages one at a time, in arrival order', async () => {
      const seen: number[] = []
      class Slow extends Consumer {
        async work(message: LayerMessage) {
          const n = message.n as number
          await new Promise((resolve) => setTimeout(resolve, n === 1 ? 30 : 1))
          seen.push(n)
          if (seen.length === 3) await this.baseSend({ type: 'done', seen })
        }
      }
      const communicator = new ApplicationCommunicator(Slow.asApp(), channelScope)
      for (const n of [1, 2, 3]) await communicator.sendInput({ type: 'work', n })
      expect(await communicator.receiveOutput()).toEqual({ type: 'done', seen: [1, 2, 3] })
    })
  })

  describe('.asApp', () => {
    it('creates a fresh instance per connection and assigns the options to it', async () => {
      const instances: Consumer[] = []
      class Counter extends Consumer {
        label = 'default'
        count = 0
        async bump() {
          instances.push(this)
          this.count++
          await this.baseSend({ type: 'count', label: this.label, count: this.count })
        }
      }
      const app = Counter.asApp({ label: 'configured' })
      const first = new ApplicationCommunicator(app, channelScope)
      const second = new ApplicationCommunicator(app, channelScope)
      await first.sendInput({ type: 'bump' })
      await second.sendInput({ type: 'bump' })
      expect(await first.receiveOutput()).toEqual({ type: 'count', label: 'configured', count: 1 })
      expect(await second.receiveOutput()).toEqual({ type: 'count', label: 'configured', count: 1 })
      expect(instances[0]).not.toBe(instances[1])
    })

    it('names the application after the consumer class', () => {
      class ThumbnailConsumer extends Consumer {}
      expect(ThumbnailConsumer.asApp().name).toBe('ThumbnailConsumer')
    })
  })

  describe('channel layer', () => {
    it('gives each instance its own channel and delivers what is sent there', async () => {
      configureChannelLayers({ default: { backend: 'memory' } })
      class Listener extends Consumer {
        async hello() {
          await this.baseSend({ type: 'ready', channel: this.channelName })
        }
        async chatMessage(message: LayerMessage) {
          await this.baseSend({ type: 'got', text: message.text })
        }
      }
      const communicator = new ApplicationCommunicator(Listener.asApp(), channelScope)
      await communicator.sendInput({ type: 'hello' })
      const ready = await communicator.receiveOutput()
      expect(ready.channel).toMatch(/^specific\..+!.+/)
      await getChannelLayer()!.send(ready.channel as string, { type: 'chat.message', text: 'hi' })
      expect(await communicator.receiveOutput()).toEqual({ type: 'got', text: 'hi' })
    })

    it('discards its channel when it stops, so group sends no longer reach it', async () => {
      const layer = new InMemoryChannelLayer()
      configureChannelLayers({ default: layer })
      class Member extends Consumer {
        async join() {
          await this.channelLayer.groupAdd('room', this.channelName)
          await this.baseSend({ type: 'joined', channel: this.channelName })
        }
        async leave() {
          throw new StopConsumer()
        }
      }
      const communicator = new ApplicationCommunicator(Member.asApp(), channelScope)
      await communicator.sendInput({ type: 'join' })
      const { channel } = await communicator.receiveOutput()
      await communicator.sendInput({ type: 'leave' })
      await communicator.wait()
      await layer.groupSend('room', { type: 'late' })
      const pending = layer.receive(channel as string, { signal: AbortSignal.timeout(50) })
      await expect(pending).rejects.toThrow()
    })

    it('explains how to configure a layer when none is configured under its alias', async () => {
      configureChannelLayers({ other: { backend: 'memory' } })
      class Lonely extends Consumer {
        async peek() {
          await this.baseSend({ type: 'name', value: this.channelName })
        }
      }
      const communicator = new ApplicationCommunicator(Lonely.asApp(), channelScope)
      await communicator.sendInput({ type: 'peek' })
      const error = await communicator.receiveOutput().catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ImproperlyConfigured)
      expect((error as Error).message).toMatch(
        /configureChannelLayers\(\{ default: \{ backend: 'memory' \} \}\)/,
      )
    })
  })

  it('ends cleanly when a handler throws StopConsumer', async () => {
    class Once extends Consumer {
      async finish() {
        throw new StopConsumer()
      }
    }
    const communicator = new ApplicationCommunicator(Once.asApp(), channelScope)
    await communicator.sendInput({ type: 'finish' })
    await expect(communicator.wait()).resolves.toBeUndefined()
  })
})

describe('Consumer#kwargs', () => {
  class Room extends WebsocketConsumer<{ kwargs: { org?: string; room: string; id?: number } }> {
    override async connect() {
      await this.accept()
      await this.send({ text: JSON.stringify(this.kwargs) })
    }
  }

  it.each([
    [path('rooms/<slug:room>/', Room.asApp()), '/rooms/lobby/', { room: 'lobby' }],
    [path('rooms/<slug:room>/<int:id>/', Room.asApp()), '/rooms/lobby/7/', { room: 'lobby', id: 7 }],
    [path('lobby/', Room.asApp(), { room: 'lobby' }), '/lobby/', { room: 'lobby' }],
    [rePath('^chat/(?P<room>\\w+)/$', Room.asApp()), '/chat/kitchen/', { room: 'kitchen' }],
    [
      path('org/<slug:org>/', URLRouter([path('rooms/<slug:room>/', Room.asApp())])),
      '/org/acme/rooms/lab/',
      { org: 'acme', room: 'lab' },
    ],
  ] as const)('gives the kwargs the route captured (%#)', async (route, url, kwargs) => {
    const communicator = new WebsocketCommunicator(URLRouter([route]), url)
    await communicator.connect()
    expect(JSON.parse((await communicator.receiveFrom()) as string)).toEqual(kwargs)
    await communicator.disconnect()
  })

  it('is empty without a router', async () => {
    const communicator = new WebsocketCommunicator(Room.asApp(), '/')
    await communicator.connect()
    expect(await communicator.receiveFrom()).toBe('{}')
    await communicator.disconnect()
  })
})
