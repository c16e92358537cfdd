/**
 * Metrics, the status page's data and the probes of `tschannels serve
 * --workers 4` on Redis: one endpoint sums the workers.
 */

import { beforeAll, describe, expect, it } from 'vitest'
import type { WebSocket } from 'ws'

import type { StatusSnapshot } from 'tschannels/metrics'

import { findRedis, requireOrSkip, uniqueName } from '../services.js'
import { runCli } from './cli-process.js'
import type { Cli } from './cli-process.js'
import { openSocket } from './helpers.js'
import { parseExposition } from './prometheus-text.js'

const TOKEN = 'an-operations-test-token'
const WORKERS = 4

let redisUrl: string | undefined
beforeAll(async () => {
  redisUrl = requireOrSkip(await findRedis())
})

/** Waits (up to 30 s) until stderr matches `pattern` `count` times; returns the last match. */
async function logged(cli: Cli, pattern: RegExp, count = 1): Promise<RegExpMatchArray> {
  const deadline = Date.now() + 30_000
  for (;;) {
    const matches = [...cli.stderr().matchAll(new RegExp(pattern.source, 'g'))]
    if (matches.length >= count) return matches[matches.length - 1]!
    if (Date.now() > deadline || cli.child.exitCode !== null)
      throw new Error(`CLI did not start: ${cli.stderr()}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

function collect(socket: WebSocket, count: number): Promise<string[]> {
  const seen: string[] = []
  return new Promise((resolve) => {
    socket.on('message', (data: Buffer) => {
      seen.push(data.toString())
      if (seen.length === count) resolve(seen)
    })
  })
}

describe('tschannels serve --workers 4 --metrics-port on Redis', { timeout: 60_000 }, () => {
  it('serves one metrics endpoint and one status snapshot that add up the workers', async ({ skip }) => {
    if (redisUrl === undefined) return skip('Redis is not available')
    const cli = runCli(
      [
        'serve',
        'test/server/fixtures/metrics-app.ts',
        '--port',
        '0',
        '--workers',
        String(WORKERS),
        '--metrics-port',
        '0',
        '--health-path',
        '/healthz',
        '--no-access-log',
      ],
      { REDIS_URL: redisUrl, TEST_PREFIX: uniqueName('metrics'), TSCHANNELS_STATUS_TOKEN: TOKEN },
    )
    const metricsPort = Number((await logged(cli, /metrics on http:\/\/127\.0\.0\.1:(\d+)\/metrics/))[1])
    const port = Number((await logged(cli, /listening on http:\/\/127\.0\.0\.1:(\d+)/, WORKERS))[1])
    const pids = new Set(Array.from(cli.stderr().matchAll(/\(pid (\d+)\)/g), (m) => m[1]))
    expect(pids.size).toBe(WORKERS)
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200)
    // The first probe builds the layer; it is ready once its Redis connection is up.
    await expect
      .poll(async () => (await fetch(`http://127.0.0.1:${port}/healthz/ready`)).text(), { timeout: 10_000 })
      .toBe('ready\n')

    // Connections are spread over the workers; each message reaches all four through Redis.
    const sockets = await Promise.all([1, 2, 3, 4].map(() => openSocket(`ws://127.0.0.1:${port}/ws/room/`)))
    const base = `http://127.0.0.1:${metricsPort}`
    const data = async (): Promise<StatusSnapshot> =>
      (await (
        await fetch(`${base}/status/data`, { headers: { authorization: `Bearer ${TOKEN}` } })
      ).json()) as StatusSnapshot
    // Joining happens before accept, so all four are members once they are open.
    const received = sockets.map((socket) => collect(socket, 4))
    sockets.forEach((socket, i) => socket.send(`m${i}`))
    for (const messages of await Promise.all(received))
      expect(messages.sort()).toEqual(['m0', 'm1', 'm2', 'm3'])

    const m = parseExposition(await (await fetch(`${base}/metrics`)).text())
    expect(m.value('tschannels_open_connections', { protocol: 'websocket', route: '/ws/room/' })).toBe(4)
    expect(m.value('tschannels_messages_received_total')).toBe(4)
    expect(m.value('tschannels_messages_sent_total')).toBe(16)
    expect(
      m.value('tschannels_layer_calls_total', { alias: 'default', method: 'groupSend', outcome: 'ok' }),
    ).toBe(4)
    expect(
      m.value('tschannels_layer_call_duration_seconds_count', { alias: 'default', method: 'groupSend' }),
    ).toBe(4)
    expect(m.value('tschannels_redis_up', { alias: 'default' })).toBe(1)
    // Both workers' process metrics are there, summed.
    expect(m.value('nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0)

    const snapshot = await data()
    expect(snapshot).toMatchObject({
      processes: WORKERS,
      websockets: 4,
      messagesReceived: 4,
      messagesSent: 16,
      groups: [{ name: 'room', members: 4 }],
    })
    expect(snapshot.layers).toMatchObject([{ alias: 'default', reachable: true }])
    cli.child.kill('SIGTERM')
    expect(await cli.exited).toBe(0)
  })

  it('writes JSON access records to stdout with --log-format json, the token redacted', async () => {
    const cli = runCli(['serve', 'test/server/fixtures/app.ts', '--port', '0', '--log-format', 'json'])
    const port = Number((await logged(cli, /listening on http:\/\/127\.0\.0\.1:(\d+)/))[1])
    expect(await (await fetch(`http://127.0.0.1:${port}/hello?token=sekrit`)).text()).toBe('ok')
    cli.child.kill('SIGTERM')
    expect(await cli.exited).toBe(0)
    const records = cli
      .stdout()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>)
    expect(records).toMatchObject([
      { level: 'info', event: 'http', path: '/hello', query: 'token=REDACTED', status: 200 },
    ])
    expect(cli.stdout()).not.toContain('sekrit')
  })
})
