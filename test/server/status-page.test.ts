/**
 * The status page in headless Chromium: it shows the server live, and
 * nothing without the token.
 */

import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'

import { ServerMetrics, serveMetrics } from 'tschannels/metrics'

import { WebsocketConsumer } from '../../src/consumers/websocket-consumer.js'
import { InMemoryChannelLayer } from '../../src/layers/memory.js'
import { configureChannelLayers, resetChannelLayers } from '../../src/layers/registry.js'
import { ProtocolTypeRouter } from '../../src/routing/protocol-type-router.js'
import { path } from '../../src/routing/route.js'
import { URLRouter } from '../../src/routing/url-router.js'
import { chromiumOrSkip, launchChromium } from '../browser.js'
import { nextMessage, openSocket, startServer } from './helpers.js'

const available = chromiumOrSkip()

// The screenshot in docs/ is refreshed only on request, so running the tests never changes tracked files.
const SCREENSHOT = fileURLToPath(
  process.env.UPDATE_SCREENSHOTS === '1'
    ? new URL('../../docs/status-page.png', import.meta.url)
    : pathToFileURL(join(tmpdir(), 'status-page.png')),
)
const TOKEN = 'status-page-token-for-tests'
const STEP = 10_000

class Echo extends WebsocketConsumer {
  static override groups = ['lobby']
  override async receive({ text }: { text?: string }): Promise<void> {
    await this.send({ text: text ?? '' })
  }
}

let browser: Browser

beforeAll(async () => {
  if (!available) return
  browser = await launchChromium()
}, 60_000)

afterAll(async () => {
  await browser?.close()
})

describe.skipIf(!available)('the status page', { timeout: 40_000 }, () => {
  it('shows connections, message rates and groups, updated live', async () => {
    onTestFinished(() => resetChannelLayers())
    configureChannelLayers({ default: new InMemoryChannelLayer() })
    const metrics = new ServerMetrics()
    const { ws } = await startServer(
      ProtocolTypeRouter({ websocket: URLRouter([path('ws/', Echo.asApp())]) }),
      { metrics },
    )
    const port = await serveMetrics(metrics, { port: 0, statusToken: TOKEN })
    onTestFinished(() => port.close())
    const first = await openSocket(`${ws}/ws/`)
    await openSocket(`${ws}/ws/`)

    const context = await browser.newContext()
    onTestFinished(() => context.close())
    const page = await context.newPage()
    page.setDefaultTimeout(STEP)
    await page.goto(`http://127.0.0.1:${port.address().port}/status#token=${TOKEN}`)
    await page.locator('[data-testid="state"][data-state="live"]').waitFor()
    // The token leaves the address bar (and so the history) at once.
    expect(new URL(page.url()).hash).toBe('')
    await expect.poll(() => page.getByTestId('websockets').textContent(), { timeout: STEP }).toBe('2')
    await expect
      .poll(() => page.locator('[data-group="lobby"] td').allTextContents(), { timeout: STEP })
      .toEqual(['lobby', '2'])
    await expect.poll(() => page.getByTestId('processes').textContent(), { timeout: STEP }).toBe('1')

    // Live: a third client and some traffic show up without a reload.
    await openSocket(`${ws}/ws/`)
    for (let i = 0; i < 5; i++) {
      const echo = nextMessage(first)
      first.send(`message ${i}`)
      await echo
    }
    await expect.poll(() => page.getByTestId('websockets').textContent(), { timeout: STEP }).toBe('3')
    await expect.poll(() => page.getByTestId('received').textContent(), { timeout: STEP }).toBe('5')
    await expect
      .poll(() => page.locator('[data-group="lobby"] td').nth(1).textContent(), { timeout: STEP })
      .toBe('3')
    const points = await page.locator('[data-chart="websockets"] polyline').getAttribute('points')
    expect(points?.split(' ').length).toBeGreaterThan(1)
    await page.screenshot({ path: SCREENSHOT })
  })

  it('asks for the token and shows nothing without the right one', async () => {
    const metrics = new ServerMetrics()
    const port = await serveMetrics(metrics, { port: 0, statusToken: TOKEN })
    onTestFinished(() => port.close())
    const context = await browser.newContext()
    onTestFinished(() => context.close())
    const page = await context.newPage()
    page.setDefaultTimeout(STEP)
    await page.goto(`http://127.0.0.1:${port.address().port}/status#token=not-the-token`)
    await page.getByTestId('login').waitFor()
    expect(await page.getByTestId('state').textContent()).toBe('wrong token')
    expect(await page.locator('main').isHidden()).toBe(true)
    await page.getByTestId('token').fill(TOKEN)
    await page.getByTestId('token-submit').click()
    await page.locator('[data-testid="state"][data-state="live"]').waitFor()
    expect(await page.getByTestId('websockets').textContent()).toBe('0')
  })
})
