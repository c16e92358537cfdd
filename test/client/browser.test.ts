/**
 * `ChannelsClient` in headless Chromium: the bundle a page would load,
 * against a real server, with the browser's own WebSocket and events.
 */

import { fileURLToPath } from 'node:url'

import { build } from 'esbuild'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { JsonWebsocketConsumer, answerClientFrame, isRequest } from 'tschannels'
import type * as ClientExports from 'tschannels/client'
import { serve } from 'tschannels/server'
import type { ServerHandle } from 'tschannels/server'
import { chromiumOrSkip, launchChromium } from '../browser.js'

type ClientModule = typeof ClientExports

const available = chromiumOrSkip()

/** Echoes, answers requests, and closes with the code a frame asks for. */
class EchoConsumer extends JsonWebsocketConsumer {
  override async receiveJson(content: unknown): Promise<void> {
    if (await answerClientFrame(this, content, { groups: [] })) return
    if (isRequest(content)) return this.reply(content, { echo: content.text })
    const close = (content as { close?: number }).close
    if (close !== undefined) return this.close(close)
    await this.sendJson(content)
  }
}

let server: ServerHandle
let url: string
let bundle: string
let browser: Browser

beforeAll(async () => {
  if (!available) return
  const built = await build({
    entryPoints: [fileURLToPath(new URL('../../src/client/index.ts', import.meta.url))],
    bundle: true,
    format: 'iife',
    globalName: 'tschannelsClient',
    target: 'es2022',
    write: false,
  })
  bundle = built.outputFiles[0]!.text
  server = await serve(EchoConsumer.asApp(), {
    host: '127.0.0.1',
    port: 0,
    drainWindow: 0,
    logger: { error() {}, warn() {}, info() {} },
  })
  url = `ws://127.0.0.1:${(server.address() as { port: number }).port}/`
  browser = await launchChromium()
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await server?.close()
})

async function newPage(): Promise<Page> {
  const page = await browser.newPage()
  page.setDefaultTimeout(10_000)
  await page.addScriptTag({ content: bundle })
  return page
}

describe.skipIf(!available)('ChannelsClient in Chromium', () => {
  it('sends, gets replies, and comes back after the server restarts its connection', async () => {
    const page = await newPage()
    const result = await page.evaluate(async (url) => {
      const { ChannelsClient } = (globalThis as unknown as { tschannelsClient: ClientModule })
        .tschannelsClient
      const client = new ChannelsClient(url, { backoff: { base: 50, cap: 100 } })
      const next = (type: 'open' | 'message' | 'reconnecting') =>
        new Promise<Event>((resolve) => client.addEventListener(type, resolve, { once: true }))
      await next('open')
      const echoed = next('message')
      client.send({ text: 'hello' })
      const message = ((await echoed) as MessageEvent).data as unknown
      const reply = await client.request({ text: 'ping?' })
      const reconnecting = next('reconnecting')
      client.send({ close: 4503 })
      const code = ((await reconnecting) as Event & { code: number }).code
      await next('open')
      const again = await client.request({ text: 'back' })
      client.close()
      return { message, reply, code, again, state: client.state }
    }, url)
    expect(result).toEqual({
      message: { text: 'hello' },
      reply: { echo: 'ping?', __reply: 1 },
      code: 4503,
      again: { echo: 'back', __reply: 2 },
      state: 'closed',
    })
    await page.close()
  })

  it("reconnects at once on the browser's online event instead of waiting out the backoff", async () => {
    const page = await newPage()
    const result = await page.evaluate(async (url) => {
      const { ChannelsClient } = (globalThis as unknown as { tschannelsClient: ClientModule })
        .tschannelsClient
      // A backoff of at least a minute: only the online event can bring it back in time.
      const client = new ChannelsClient(url, { backoff: { base: 120_000, cap: 120_000 }, random: () => 0.5 })
      const next = (type: 'open' | 'reconnecting') =>
        new Promise<Event>((resolve) => client.addEventListener(type, resolve, { once: true }))
      await next('open')
      const reconnecting = next('reconnecting')
      client.send({ close: 1011 })
      const delay = ((await reconnecting) as Event & { delay: number }).delay
      const reopened = next('open')
      ;(globalThis as unknown as EventTarget).dispatchEvent(new Event('online'))
      await reopened
      const state = client.state
      client.close()
      return { delay, state }
    }, url)
    expect(result).toEqual({ delay: 60_000, state: 'open' })
    await page.close()
  })
})
