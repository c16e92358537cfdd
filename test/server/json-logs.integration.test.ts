import { Writable } from 'node:stream'

import { pino } from 'pino'
import { describe, expect, it } from 'vitest'

import { jsonLogger } from 'tschannels/server'
import type { StructuredLogger } from 'tschannels/server'

import type { Application } from '../../src/types.js'
import { closed, openSocket, startServer, waitFor } from './helpers.js'

const SECRETS = ['query-secret', 'ws-secret', 'cookie-secret', 'header-secret']

/** HTTP answers "hi"; a WebSocket is accepted, and its application fails on the message "boom". */
const app: Application = async (scope, receive, send) => {
  if (scope.type === 'http') {
    await send({ type: 'http.response.start', status: 200 })
    await send({ type: 'http.response.body', body: new TextEncoder().encode('hi') })
    return
  }
  for (;;) {
    const event = await receive()
    if (event.type === 'websocket.connect') await send({ type: 'websocket.accept' })
    if (event.type === 'websocket.receive') throw new Error('the handler failed')
    if (event.type === 'websocket.disconnect') return
  }
}

type LogRecord = Record<string, unknown> & { msg: string; conn?: string }

/** Sends the traffic every test logs: an HTTP request and two WebSockets, with secrets everywhere. */
async function traffic(structuredLogger: StructuredLogger, lines: () => LogRecord[]): Promise<void> {
  const { url, ws } = await startServer(app, { accessLog: true, structuredLogger })
  const headers = { cookie: `sessionid=${SECRETS[2]}`, authorization: `Bearer ${SECRETS[3]}` }
  await (await fetch(`${url}/page?token=${SECRETS[0]}&x=1`, { headers })).text()
  const calm = await openSocket(`${ws}/chat/?access_token=${SECRETS[1]}`, [], { headers })
  calm.close(1000)
  await waitFor(() => lines().some((record) => record.step === 'WSDISCONNECT'))
  const failing = await openSocket(`${ws}/chat/`)
  failing.send('boom')
  expect((await closed(failing)).code).toBe(1011)
  await waitFor(() => lines().filter((record) => record.step === 'WSDISCONNECT').length === 2)
}

describe('structured logs', () => {
  it('writes JSON lines whose records name their connection, with secrets redacted or left out', async () => {
    const raw: string[] = []
    const records = (): LogRecord[] => raw.map((line) => JSON.parse(line) as LogRecord)
    await traffic(
      jsonLogger((line) => raw.push(line)),
      records,
    )
    for (const secret of SECRETS) expect(raw.join('\n')).not.toContain(secret)
    const [http, ...rest] = records()
    expect(http).toMatchObject({
      level: 'info',
      event: 'http',
      method: 'GET',
      path: '/page',
      query: 'token=REDACTED&x=1',
      status: 200,
      bytes: 2,
      conn: expect.stringMatching(/^[0-9a-f]{6}-[0-9a-z]+$/) as unknown,
    })
    expect(typeof http!.time).toBe('string')
    const calm = rest.filter((record) => record.query === 'access_token=REDACTED')
    expect(calm.map((record) => [record.step, record.status ?? record.code])).toEqual([
      ['WSCONNECTING', undefined],
      ['WSCONNECT', 101],
      ['WSDISCONNECT', 1000],
    ])
    expect(new Set(calm.map((record) => record.conn)).size).toBe(1)
    expect(calm[0]!.conn).not.toBe(http!.conn)
    // The failing connection's error and its close carry the same id.
    const error = rest.find((record) => record.level === 'error')!
    expect(error).toMatchObject({
      msg: 'WebSocket application failed on /chat/.',
      err: { message: 'the handler failed' },
    })
    const failing = rest
      .filter((record) => record.conn === error.conn)
      .map((record) => record.step ?? record.level)
    expect(failing).toEqual(['WSCONNECTING', 'WSCONNECT', 'error', 'WSDISCONNECT'])
  })

  it('takes a pino instance as it is', async () => {
    const raw: string[] = []
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        raw.push(...chunk.toString().split('\n').filter(Boolean))
        done()
      },
    })
    const logger = pino({ base: null }, destination)
    const records = (): LogRecord[] => raw.map((line) => JSON.parse(line) as LogRecord)
    await traffic(logger, records)
    for (const secret of SECRETS) expect(raw.join('\n')).not.toContain(secret)
    expect(records()[0]).toMatchObject({ level: 30, event: 'http', query: 'token=REDACTED&x=1', status: 200 })
    const error = records().find((record) => record.level === 50)!
    expect(error).toMatchObject({ err: { type: 'Error', message: 'the handler failed' } })
    expect(
      records()
        .filter((record) => record.conn === error.conn)
        .map((record) => record.step ?? 'error'),
    ).toEqual(['WSCONNECTING', 'WSCONNECT', 'error', 'WSDISCONNECT'])
  })
})
