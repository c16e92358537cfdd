import { afterEach, describe, expect, it } from 'vitest'

import { HttpConsumer } from '../../src/consumers/http-consumer.js'
import { ImproperlyConfigured, InvalidEvent } from '../../src/errors.js'
import { InMemoryChannelLayer } from '../../src/layers/memory.js'
import { configureChannelLayers, resetChannelLayers } from '../../src/layers/registry.js'
import { HttpCommunicator } from '../../src/testing/http-communicator.js'
import type { LayerMessage } from '../../src/types.js'

afterEach(async () => {
  await resetChannelLayers()
})

const decoder = new TextDecoder()

describe('HttpConsumer', () => {
  describe('#handle', () => {
    it('gets the whole body and answers with sendResponse', async () => {
      class Upper extends HttpConsumer {
        override async handle(body: Uint8Array) {
          await this.sendResponse(201, decoder.decode(body).toUpperCase(), {
            headers: { 'Content-Type': 'text/plain' },
          })
        }
      }
      const communicator = new HttpCommunicator(Upper.asApp(), 'post', '/upper', { body: 'hello' })
      const response = await communicator.getResponse()
      expect(response.status).toBe(201)
      expect(response.headers).toEqual([['content-type', 'text/plain']])
      expect(response.text).toBe('HELLO')
      await communicator.wait()
    })

    it('joins a body that arrives in several chunks', async () => {
      class Length extends HttpConsumer {
        override async handle(body: Uint8Array) {
          await this.sendResponse(200, decoder.decode(body))
        }
      }
      const communicator = new HttpCommunicator(Length.asApp(), 'POST', '/')
      const encoder = new TextEncoder()
      await communicator.sendInput({ type: 'http.request', body: encoder.encode('ab'), moreBody: true })
      await communicator.sendInput({ type: 'http.request', body: encoder.encode('cd'), moreBody: false })
      expect(await communicator.receiveOutput()).toMatchObject({ type: 'http.response.start', status: 200 })
      const body = await communicator.receiveOutput()
      expect(decoder.decode(body.body as Uint8Array)).toBe('abcd')
    })

    it('explains that handle() must be overridden', async () => {
      class Empty extends HttpConsumer {}
      const communicator = new HttpCommunicator(Empty.asApp(), 'GET', '/')
      const error = await communicator.getResponse().catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ImproperlyConfigured)
      expect((error as Error).message).toMatch(/must override handle\(body\)/)
    })
  })

  describe('streaming', () => {
    it('sends headers, then chunks, then ends with more: false', async () => {
      class Counter extends HttpConsumer {
        override async handle() {
          await this.sendHeaders({ headers: [['content-type', 'text/plain']] })
          for (const part of ['1', '2']) await this.sendBody(part, { more: true })
          await this.sendBody('3')
        }
      }
      const communicator = new HttpCommunicator(Counter.asApp(), 'GET', '/count')
      const response = await communicator.getResponse()
      expect(response.status).toBe(200)
      expect(response.text).toBe('123')
      await communicator.wait()
    })

    it('refuses a body before the headers', async () => {
      class Hasty extends HttpConsumer {
        override async handle() {
          await this.sendBody('too soon')
        }
      }
      const communicator = new HttpCommunicator(Hasty.asApp(), 'GET', '/')
      await expect(communicator.getResponse()).rejects.toThrow(InvalidEvent)
    })

    it('stays open after handle() and streams server-sent events fed by groupSend until more: false', async () => {
      const layer = new InMemoryChannelLayer()
      configureChannelLayers({ default: layer })
      class NewsStream extends HttpConsumer {
        static override groups = ['news']
        override async handle() {
          await this.sendHeaders({ headers: { 'content-type': 'text/event-stream' } })
        }
        async newsPosted(message: LayerMessage) {
          await this.sendBody(`data: ${String(message.title)}\n\n`, { more: message.last !== true })
        }
      }
      const communicator = new HttpCommunicator(NewsStream.asApp(), 'GET', '/events')
      await communicator.sendRequest()
      expect(await communicator.receiveOutput()).toMatchObject({ type: 'http.response.start', status: 200 })
      await layer.groupSend('news', { type: 'news.posted', title: 'first' })
      const first = await communicator.receiveOutput()
      expect(decoder.decode(first.body as Uint8Array)).toBe('data: first\n\n')
      expect(first.moreBody).toBe(true)
      await layer.groupSend('news', { type: 'news.posted', title: 'last', last: true })
      const last = await communicator.receiveOutput()
      expect(last.moreBody).toBe(false)
      await communicator.wait()
      expect(layer.groupMembers('news')).toEqual([])
    })

    it('runs disconnect() and stops when the client goes away mid-stream', async () => {
      let disconnected = false
      class Forever extends HttpConsumer {
        override async handle() {
          await this.sendHeaders()
        }
        override async disconnect() {
          disconnected = true
        }
      }
      const communicator = new HttpCommunicator(Forever.asApp(), 'GET', '/')
      await communicator.sendRequest()
      await communicator.receiveOutput()
      await communicator.sendInput({ type: 'http.disconnect' })
      await communicator.wait()
      expect(disconnected).toBe(true)
    })
  })
})
