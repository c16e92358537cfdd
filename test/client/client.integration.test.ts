/**
 * `ChannelsClient` against a real server on port 0, with `ws` as its
 * WebSocket (Node 20 has no global one).
 */

import { describe, expect, it, onTestFinished } from 'vitest'
import WebSocket from 'ws'

import { JsonWebsocketConsumer, answerClientFrame, isRequest } from 'tschannels'
import { ChannelsClient, retryAfterReason } from 'tschannels/client'
import type { ChannelsClientOptions } from 'tschannels/client'
import { startServer } from '../server/helpers.js'

/** Echoes values, answers requests, and closes with the code a frame asks for. */
class EchoConsumer extends JsonWebsocketConsumer {
  override async receiveJson(content: unknown): Promise<void> {
    if (await answerClientFrame(this, content, { groups: [] })) return
    if (isRequest(content)) return this.reply(content, { echo: content })
    const close = (content as { close?: number }).close
    if (close === 4429) return this.close(close, retryAfterReason('Slow down', 1))
    if (close !== undefined) return this.close(close, 'asked to')
    await this.sendJson(content)
  }
}

/** A client on `url` that closes when the test ends. */
function connect(url: string, options: ChannelsClientOptions = {}): ChannelsClient {
  const client = new ChannelsClient(url, { WebSocket, backoff: { base: 50, cap: 200 }, ...options })
  onTestFinished(() => client.close())
  return client
}

/** The next event of `type`. */
function next<K extends 'open' | 'message' | 'close' | 'reconnecting'>(client: ChannelsClient, type: K) {
  return new Promise<Parameters<Parameters<typeof client.addEventListener<K>>[1]>[0]>((resolve) =>
    client.addEventListener(type, resolve, { once: true }),
  )
}

describe('ChannelsClient over a real server', () => {
  it('sends, receives and gets replies to its requests', async () => {
    const { ws } = await startServer(EchoConsumer.asApp())
    const client = connect(`${ws}/`)
    const message = next(client, 'message')
    client.send({ text: 'hello' })
    expect((await message).data).toEqual({ text: 'hello' })
    await expect(client.request({ type: 'sum', of: [1, 2] })).resolves.toEqual({
      echo: { type: 'sum', of: [1, 2], __request: 1 },
      __reply: 1,
    })
  })

  it('reconnects after the server drops it and delivers what was queued meanwhile', async () => {
    const { ws } = await startServer(EchoConsumer.asApp())
    const client = connect(`${ws}/`)
    await next(client, 'open')
    const reconnecting = next(client, 'reconnecting')
    client.send({ close: 1011 })
    expect((await reconnecting).code).toBe(1011)
    client.send({ text: 'after' })
    const message = next(client, 'message')
    await next(client, 'open')
    expect((await message).data).toEqual({ text: 'after' })
  })

  it('waits the retry-after a 4429 names and stops on 4403', async () => {
    const { ws } = await startServer(EchoConsumer.asApp())
    const client = connect(`${ws}/`)
    await next(client, 'open')
    const reconnecting = next(client, 'reconnecting')
    client.send({ close: 4429 })
    const event = await reconnecting
    expect([event.code, event.reason]).toEqual([4429, 'Slow down; retry-after=1'])
    expect(event.delay).toBeGreaterThanOrEqual(1000)
    client.close()
    const other = connect(`${ws}/`)
    await next(other, 'open')
    const closed = next(other, 'close')
    other.send({ close: 4403 })
    expect((await closed).code).toBe(4403)
    expect(other.state).toBe('closed')
  })

  it('answers its heartbeat through answerClientFrame()', async () => {
    const { ws } = await startServer(EchoConsumer.asApp())
    const client = connect(`${ws}/`, { heartbeat: { interval: 20, timeout: 1000 } })
    await next(client, 'open')
    let pongs = 0
    const raw = new WebSocket(`${ws}/`)
    onTestFinished(() => raw.terminate())
    await new Promise((resolve) => raw.once('open', resolve))
    raw.send('{"type":"ping"}')
    await new Promise<void>((resolve) =>
      raw.once('message', (data: Buffer) => {
        if (data.toString() === '{"type":"pong"}') pongs++
        resolve()
      }),
    )
    expect(pongs).toBe(1)
    expect(client.state).toBe('open')
  })
})
