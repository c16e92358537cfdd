import { describe, expect, it } from 'vitest'

import { WebsocketConsumer } from '../../src/consumers/websocket-consumer.js'
import { ApplicationFinished, CommunicatorTimeout, UnexpectedEvent } from '../../src/errors.js'
import { ApplicationCommunicator } from '../../src/testing/application-communicator.js'
import { HttpCommunicator } from '../../src/testing/http-communicator.js'
import { WebsocketCommunicator } from '../../src/testing/websocket-communicator.js'
import type { Application, HttpRequestEvent } from '../../src/types.js'

const encoder = new TextEncoder()

/** Echoes every event back with its type prefixed, until it sees `stop`. */
const echoApp: Application = async (_scope, receive, send) => {
  for (;;) {
    const message = await receive()
    if (message.type === 'stop') return
    await send({ ...message, type: `echo.${message.type}` })
  }
}

describe('ApplicationCommunicator', () => {
  describe('#receiveOutput', () => {
    it('returns what the application sent, in order', async () => {
      const communicator = new ApplicationCommunicator(echoApp, { type: 'channel', channel: 'x' })
      await communicator.sendInput({ type: 'a' })
      await communicator.sendInput({ type: 'b' })
      expect(await communicator.receiveOutput()).toEqual({ type: 'echo.a' })
      expect(await communicator.receiveOutput()).toEqual({ type: 'echo.b' })
    })

    it('throws CommunicatorTimeout when nothing comes in time', async () => {
      const communicator = new ApplicationCommunicator(echoApp, { type: 'channel', channel: 'x' })
      await expect(communicator.receiveOutput(20)).rejects.toThrow(CommunicatorTimeout)
    })

    it('does not lose an event that arrives after a timed-out wait', async () => {
      const communicator = new ApplicationCommunicator(echoApp, { type: 'channel', channel: 'x' })
      await expect(communicator.receiveOutput(10)).rejects.toThrow(CommunicatorTimeout)
      await communicator.sendInput({ type: 'late' })
      expect(await communicator.receiveOutput()).toEqual({ type: 'echo.late' })
    })

    it('rethrows the application error itself, with its original stack', async () => {
      function failingDeepInside(): never {
        throw new RangeError('boom')
      }
      const app: Application = async (_scope, receive) => {
        await receive()
        failingDeepInside()
      }
      const communicator = new ApplicationCommunicator(app, { type: 'channel', channel: 'x' })
      await communicator.sendInput({ type: 'go' })
      const error = await communicator.receiveOutput().catch((e: unknown) => e)
      expect(error).toBeInstanceOf(RangeError)
      expect((error as Error).stack).toContain('failingDeepInside')
    })

    it('throws ApplicationFinished when the application returned without sending', async () => {
      const communicator = new ApplicationCommunicator(echoApp, { type: 'channel', channel: 'x' })
      await communicator.sendInput({ type: 'stop' })
      await expect(communicator.receiveOutput()).rejects.toThrow(ApplicationFinished)
    })

    it('still delivers what the application sent just before it returned', async () => {
      const app: Application = async (_scope, _receive, send) => {
        await send({ type: 'last.words' })
      }
      const communicator = new ApplicationCommunicator(app, { type: 'channel', channel: 'x' })
      await communicator.wait()
      expect(await communicator.receiveOutput()).toEqual({ type: 'last.words' })
    })
  })

  describe('#receiveNothing', () => {
    it('is true when the application stays silent and false when it sent something', async () => {
      const communicator = new ApplicationCommunicator(echoApp, { type: 'channel', channel: 'x' })
      expect(await communicator.receiveNothing(20)).toBe(true)
      await communicator.sendInput({ type: 'ping' })
      expect(await communicator.receiveNothing(20)).toBe(false)
      expect(await communicator.receiveOutput()).toEqual({ type: 'echo.ping' })
    })
  })

  describe('#wait', () => {
    it('throws CommunicatorTimeout while the application is still running', async () => {
      const communicator = new ApplicationCommunicator(echoApp, { type: 'channel', channel: 'x' })
      await expect(communicator.wait(20)).rejects.toThrow(/still running after 20 ms/)
    })
  })
})

describe('WebsocketCommunicator', () => {
  it('builds the scope from the path, query string and options', async () => {
    let seen: unknown
    const app: Application = async (scope, _receive, send) => {
      seen = scope
      await send({ type: 'websocket.close' })
    }
    const communicator = new WebsocketCommunicator(app, '/ws/caf%C3%A9/?token=abc', {
      headers: [['origin', 'http://example.com']],
      subprotocols: ['chat'],
    })
    await communicator.connect()
    expect(seen).toMatchObject({
      type: 'websocket',
      path: '/ws/café/',
      rawPath: '/ws/caf%C3%A9/',
      queryString: 'token=abc',
      rootPath: '',
      headers: [['origin', 'http://example.com']],
      subprotocols: ['chat'],
    })
  })

  it('reports a denial response with its status and body', async () => {
    const app: Application = async (_scope, receive, send) => {
      await receive()
      await send({
        type: 'websocket.http.response.start',
        status: 401,
        headers: [['content-type', 'application/json']],
      })
      await send({ type: 'websocket.http.response.body', body: encoder.encode('{"error":"login"}') })
    }
    const communicator = new WebsocketCommunicator(app, '/')
    const result = await communicator.connect()
    expect(result.connected).toBe(false)
    expect(result.response?.status).toBe(401)
    expect(Buffer.from(result.response!.body).toString()).toBe('{"error":"login"}')
  })

  it('throws UnexpectedEvent naming the close when a frame was expected', async () => {
    const app: Application = async (_scope, receive, send) => {
      await receive()
      await send({ type: 'websocket.accept' })
      await receive()
      await send({ type: 'websocket.close', code: 4001, reason: 'nope' })
    }
    const communicator = new WebsocketCommunicator(app, '/')
    await communicator.connect()
    await communicator.sendTo('hi')
    await expect(communicator.receiveFrom()).rejects.toThrow(/websocket.close with code 4001 \(nope\)/)
  })

  it('says that connect() finished without accept() or close() when connect() times out', async () => {
    class Forgetful extends WebsocketConsumer {
      override async connect(): Promise<void> {
        // Forgot this.accept().
      }
    }
    const communicator = new WebsocketCommunicator(Forgetful.asApp(), '/')
    const attempt = communicator.connect(50)
    await expect(attempt).rejects.toThrow(CommunicatorTimeout)
    await expect(attempt).rejects.toThrow('connect() finished without accept() or close()')
  })

  it('refuses a binary frame in receiveJsonFrom', async () => {
    const app: Application = async (_scope, receive, send) => {
      await receive()
      await send({ type: 'websocket.accept' })
      await send({ type: 'websocket.send', bytes: new Uint8Array([1]) })
    }
    const communicator = new WebsocketCommunicator(app, '/')
    await communicator.connect()
    await expect(communicator.receiveJsonFrom()).rejects.toThrow(UnexpectedEvent)
  })
})

describe('HttpCommunicator', () => {
  it('sends method, path and body, and collects a chunked response', async () => {
    const app: Application = async (scope, receive, send) => {
      const request = await receive()
      const body = Buffer.from((request as HttpRequestEvent).body).toString()
      const method = scope.type === 'http' ? scope.method : ''
      await send({ type: 'http.response.start', status: 200 })
      await send({ type: 'http.response.body', body: encoder.encode(`${method} `), moreBody: true })
      await send({ type: 'http.response.body', body: encoder.encode(body) })
    }
    const communicator = new HttpCommunicator(app, 'put', '/items/1', { body: 'payload' })
    const response = await communicator.getResponse()
    expect(response.status).toBe(200)
    expect(response.text).toBe('PUT payload')
  })
})
