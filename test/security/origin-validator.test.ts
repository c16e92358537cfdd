import { describe, expect, it, vi } from 'vitest'

import { WebsocketConsumer } from '../../src/consumers/websocket-consumer.js'
import { ImproperlyConfigured } from '../../src/errors.js'
import { AllowedHostsOriginValidator, OriginValidator } from '../../src/security/origin-validator.js'
import { HttpCommunicator } from '../../src/testing/http-communicator.js'
import { WebsocketCommunicator } from '../../src/testing/websocket-communicator.js'
import type { Application } from '../../src/types.js'

class Accepting extends WebsocketConsumer {}

let reached = 0
const counting: Application = async (scope, receive, send) => {
  reached++
  return Accepting.asApp()(scope, receive, send)
}

async function connects(origins: readonly string[], origin: string | null): Promise<boolean> {
  const headers: Array<[string, string]> = origin === null ? [] : [['origin', origin]]
  const communicator = new WebsocketCommunicator(OriginValidator(Accepting.asApp(), origins), '/', {
    headers,
  })
  const result = await communicator.connect()
  if (result.connected) await communicator.disconnect()
  else expect(result.closeCode).toBe(1000)
  return result.connected
}

describe('OriginValidator', () => {
  it.each([
    ['an exact host', ['example.com'], 'http://example.com', true],
    ['an exact host under https', ['example.com'], 'https://example.com', true],
    ['another host', ['example.com'], 'http://evil.com', false],
    ['a subdomain of a .domain pattern', ['.example.com'], 'https://chat.example.com', true],
    ['the domain of a .domain pattern itself', ['.example.com'], 'https://example.com', true],
    ['a look-alike domain', ['.example.com'], 'https://evilexample.com', false],
    ['a subdomain of an exact host', ['example.com'], 'https://chat.example.com', false],
    ['scheme://host with the default port', ['http://example.com'], 'http://example.com', true],
    [
      'scheme://host:port with the explicit default port',
      ['http://example.com:80'],
      'http://example.com',
      true,
    ],
    ['a wrong scheme', ['https://example.com'], 'http://example.com', false],
    ['a wrong port', ['http://example.com:8000'], 'http://example.com:9000', false],
    ['a right non-default port', ['http://example.com:8000'], 'http://example.com:8000', true],
    ['a subdomain with scheme and port', ['http://.goodsite.com:80'], 'http://www.goodsite.com', true],
    ['a subdomain with a wrong port', ['http://.goodsite.com:80'], 'http://www.goodsite.com:81', false],
    ['anything with *', ['*'], 'https://anywhere.net:1234', true],
    ['upper case in origin and pattern', ['Example.COM'], 'HTTP://EXAMPLE.com', true],
    ['an IPv6 host', ['[::1]'], 'http://[::1]:8000', true],
    ['the null origin', ['example.com'], 'null', false],
    ['a malformed origin', ['example.com'], 'not a url', false],
  ] as const)('%s', async (_name, origins, origin, expected) => {
    expect(await connects(origins, origin)).toBe(expected)
  })

  it('refuses a missing Origin header', async () => {
    expect(await connects(['example.com'], null)).toBe(false)
  })

  it('allows a missing Origin header with *', async () => {
    expect(await connects(['*'], null)).toBe(true)
  })

  it('refuses two Origin headers', async () => {
    const app = OriginValidator(Accepting.asApp(), ['example.com'])
    const communicator = new WebsocketCommunicator(app, '/', {
      headers: [
        ['origin', 'http://example.com'],
        ['origin', 'http://evil.com'],
      ],
    })
    expect((await communicator.connect()).connected).toBe(false)
  })

  describe("where Channels' rules surprise", () => {
    // Channels parses 'example.com:8000' as scheme 'example.com', so it never matches; we match host and port.
    it('matches a scheme-less host:port pattern on that host and port', async () => {
      expect(await connects(['example.com:8000'], 'http://example.com:8000')).toBe(true)
      expect(await connects(['example.com:8000'], 'https://example.com:8000')).toBe(true)
      expect(await connects(['example.com:8000'], 'http://example.com:9000')).toBe(false)
    })

    // Channels ignores the port of '127.0.0.1:8000'; we check it.
    it('checks the port of a numeric host:port pattern', async () => {
      expect(await connects(['127.0.0.1:8000'], 'http://127.0.0.1:8000')).toBe(true)
      expect(await connects(['127.0.0.1:8000'], 'http://127.0.0.1:9999')).toBe(false)
    })

    // As in Channels: a scheme-less pattern without a port allows any scheme and port.
    it('lets a scheme-less host without a port match any scheme and port', async () => {
      expect(await connects(['example.com'], 'http://example.com:8080')).toBe(true)
    })
  })

  it('never runs the application for a refused origin', async () => {
    reached = 0
    const communicator = new WebsocketCommunicator(OriginValidator(counting, ['example.com']), '/', {
      headers: [['origin', 'http://evil.com']],
    })
    const result = await communicator.connect()
    expect(result).toMatchObject({ connected: false, closeCode: 1000 })
    expect(reached).toBe(0)
  })

  it('answers a refused HTTP request with 403', async () => {
    const app = OriginValidator(async () => {
      throw new Error('must not run')
    }, ['example.com'])
    const response = await new HttpCommunicator(app, 'POST', '/', {
      headers: [['origin', 'http://evil.com']],
    }).getResponse()
    expect(response.status).toBe(403)
  })

  it('refuses a pattern it cannot read at construction', () => {
    expect(() => OriginValidator(Accepting.asApp(), ['http://'])).toThrow(ImproperlyConfigured)
    expect(() => OriginValidator(Accepting.asApp(), ['example.com/path'])).toThrow(ImproperlyConfigured)
  })
})

describe('AllowedHostsOriginValidator', () => {
  const validate = (settings: { allowedHosts: string[]; debug: boolean }, origin: string) => {
    const communicator = new WebsocketCommunicator(
      AllowedHostsOriginValidator(Accepting.asApp(), settings),
      '/',
      {
        headers: [['origin', origin]],
      },
    )
    return communicator.connect().then((result) => result.connected)
  }

  it('allows the hosts of ALLOWED_HOSTS', async () => {
    expect(await validate({ allowedHosts: ['.example.com'], debug: false }, 'https://chat.example.com')).toBe(
      true,
    )
    expect(await validate({ allowedHosts: ['.example.com'], debug: false }, 'https://evil.com')).toBe(false)
  })

  it('allows local origins in DEBUG when ALLOWED_HOSTS is empty', async () => {
    expect(await validate({ allowedHosts: [], debug: true }, 'http://localhost:3000')).toBe(true)
    expect(await validate({ allowedHosts: [], debug: true }, 'http://127.0.0.1:8000')).toBe(true)
    expect(await validate({ allowedHosts: [], debug: true }, 'http://[::1]:8000')).toBe(true)
    expect(await validate({ allowedHosts: [], debug: true }, 'http://example.com')).toBe(false)
  })

  it('allows nothing outside DEBUG when ALLOWED_HOSTS is empty, on a connection from the network', async () => {
    expect(await validate({ allowedHosts: [], debug: false }, 'http://localhost')).toBe(false)
  })

  const onServer = async (
    server: [string, number],
    settings: { allowedHosts: string[]; debug: boolean },
    origin: string,
  ): Promise<{ connected: boolean; closeReason?: string }> =>
    new WebsocketCommunicator(AllowedHostsOriginValidator(Accepting.asApp(), settings), '/', {
      headers: [['origin', origin]],
      scope: { server },
    }).connect()

  it('allows local pages on a loopback connection when ALLOWED_HOSTS is empty, outside DEBUG', async () => {
    const none = { allowedHosts: [], debug: false }
    expect(await onServer(['127.0.0.1', 8000], none, 'http://localhost:8000')).toMatchObject({
      connected: true,
    })
    expect(await onServer(['::1', 8000], none, 'http://[::1]:8000')).toMatchObject({ connected: true })
    expect(await onServer(['::ffff:127.0.0.1', 8000], none, 'http://127.0.0.1:5173')).toMatchObject({
      connected: true,
    })
    // A page from another site is refused even on loopback: only local pages are let through.
    expect(await onServer(['127.0.0.1', 8000], none, 'https://evil.example')).toMatchObject({
      connected: false,
    })
    // A server reached from the network allows nothing until ALLOWED_HOSTS names its hosts.
    expect(await onServer(['192.168.1.5', 8000], none, 'http://localhost:8000')).toMatchObject({
      connected: false,
    })
  })

  it('says in the close reason which Origin was refused and which setting to change', async () => {
    const server: [string, number] = ['10.0.0.2', 443]
    expect(
      await onServer(server, { allowedHosts: ['chat.example.com'], debug: false }, 'https://evil.example'),
    ).toEqual(
      expect.objectContaining({ closeReason: "Origin 'https://evil.example' is not in ALLOWED_HOSTS" }),
    )
    expect(await onServer(server, { allowedHosts: [], debug: false }, 'https://chat.example.com')).toEqual(
      expect.objectContaining({ closeReason: 'ALLOWED_HOSTS is empty and DEBUG is off: set ALLOWED_HOSTS' }),
    )
    const long = `https://${'a'.repeat(200)}.example`
    const refused = await onServer(server, { allowedHosts: ['chat.example.com'], debug: false }, long)
    expect(Buffer.byteLength(refused.closeReason!)).toBeLessThanOrEqual(123)
  })

  it('warns once, with CHANNELS_WRN_070, when it is built with no allowed hosts outside DEBUG', async () => {
    vi.resetModules()
    const { AllowedHostsOriginValidator: Fresh } = await import('../../src/security/origin-validator.js')
    const emit = vi.spyOn(process, 'emitWarning').mockImplementation(() => {})
    try {
      Fresh(Accepting.asApp(), { allowedHosts: ['chat.example.com'], debug: false })
      Fresh(Accepting.asApp(), { allowedHosts: [], debug: true })
      expect(emit).not.toHaveBeenCalled()
      Fresh(Accepting.asApp(), { allowedHosts: [], debug: false })
      Fresh(Accepting.asApp(), { allowedHosts: [], debug: false })
      expect(emit).toHaveBeenCalledTimes(1)
      expect(emit).toHaveBeenCalledWith(expect.stringContaining('Set ALLOWED_HOSTS'), {
        code: 'CHANNELS_WRN_070',
        type: 'TschannelsWarning',
      })
    } finally {
      emit.mockRestore()
    }
  })
})
