import { spawnSync } from 'node:child_process'

import { describe, expect, it } from 'vitest'

import { ImproperlyConfigured, InvalidMessageType, UnencodableMessage } from '../../../src/errors.js'
import { consistentHash } from '../../../src/layers/redis/consistent-hash.js'
import { crc32, tableCrc32 } from '../../../src/layers/redis/crc32.js'
import { MultiFernet } from '../../../src/layers/redis/fernet.js'
import { RedisChannelLayer, RedisPubSubChannelLayer } from '../../../src/layers/redis/index.js'
import type { RedisChannelLayerOptions } from '../../../src/layers/redis/options.js'
import { WireFormat } from '../../../src/layers/redis/wire-format.js'
import type { LayerMessage } from '../../../src/types.js'

const PYTHON = '/usr/bin/python3'
const hasPython =
  spawnSync(PYTHON, ['-c', 'import channels_redis, cryptography'], { timeout: 10_000 }).status === 0

/** Runs a Python snippet and returns its stdout, trimmed. */
function python(code: string): string {
  const result = spawnSync(PYTHON, ['-c', code], { encoding: 'utf8', timeout: 10_000 })
  if (result.status !== 0) throw new Error(result.stderr)
  return result.stdout.trim()
}

const NAMES = ['specific.abc!', 'room.lobby', 'asgi:group:chat', 'é-ünïcode', 'x'.repeat(99)]

describe('crc32', () => {
  it('agrees with the table-driven fallback', () => {
    for (const name of NAMES) expect(crc32(name)).toBe(tableCrc32(name))
  })
})

describe('consistentHash', () => {
  it.skipIf(!hasPython)('picks the shard channels_redis picks for every ring size', () => {
    const expected = JSON.parse(
      python(
        `import json; from channels_redis.utils import _consistent_hash as h; ` +
          `print(json.dumps([[h(n, r) for r in range(1, 8)] for n in ${JSON.stringify(NAMES)}]))`,
      ),
    ) as number[][]
    expect(NAMES.map((name) => [1, 2, 3, 4, 5, 6, 7].map((ring) => consistentHash(name, ring)))).toEqual(
      expected,
    )
  })
})

describe('MultiFernet', () => {
  it('decrypts with any key and refuses a token older than the ttl', () => {
    const fernet = new MultiFernet(['new', 'old'])
    const oldOnly = new MultiFernet(['old'])
    const token = oldOnly.encrypt(Buffer.from('hello'), 1_000)
    expect(fernet.decrypt(token, undefined, 1_001)?.toString()).toBe('hello')
    expect(fernet.decrypt(token, 10, 1_010)?.toString()).toBe('hello')
    expect(fernet.decrypt(token, 10, 1_011)).toBeUndefined()
    expect(new MultiFernet(['other']).decrypt(token)).toBeUndefined()
  })

  it.skipIf(!hasPython)('reads tokens from Python cryptography and writes tokens it reads', () => {
    const derive = `import base64, hashlib; from cryptography.fernet import Fernet; f = Fernet(base64.urlsafe_b64encode(hashlib.sha256(b'secret').digest()))`
    const fromPython = python(`${derive}; print(f.encrypt(b'from python').decode())`)
    const fernet = new MultiFernet(['secret'])
    expect(fernet.decrypt(Buffer.from(fromPython))?.toString()).toBe('from python')
    const fromNode = fernet.encrypt(Buffer.from('from node')).toString()
    expect(python(`${derive}; print(f.decrypt(b'${fromNode}').decode())`)).toBe('from node')
  })
})

describe('WireFormat', () => {
  it('puts the random prefix in front and __asgi_channel__ in the map', () => {
    const wire = new WireFormat({ randomPrefixLength: 12 })
    const bytes = wire.encode({ type: 'a.b' }, ['x!1', 'x!2'])
    expect(bytes.length).toBeGreaterThan(12)
    expect(wire.decode(bytes)).toEqual({ message: { type: 'a.b' }, channels: ['x!1', 'x!2'] })
  })

  it.skipIf(!hasPython)('decodes what channels_redis serializes, with and without keys', () => {
    for (const keys of [undefined, ['k1']]) {
      const hex = python(
        `from channels_redis.core import RedisChannelLayer as L; ` +
          `l = L(symmetric_encryption_keys=${keys ? "['k1']" : 'None'}); ` +
          `print(l.serialize({'type': 't', 'b': b'\\x00\\xff', '__asgi_channel__': 'c!x'}).hex())`,
      )
      const wire = new WireFormat({ randomPrefixLength: 12, symmetricEncryptionKeys: keys, tokenTtl: 70 })
      expect(wire.decode(Buffer.from(hex, 'hex'))).toEqual({
        message: { type: 't', b: new Uint8Array([0, 255]) },
        channels: 'c!x',
      })
    }
  })

  it('rejects a message that already has __asgi_channel__', () => {
    const wire = new WireFormat({ randomPrefixLength: 12 })
    expect(() => wire.encode({ type: 't', __asgi_channel__: 'x' })).toThrow(InvalidMessageType)
  })

  describe.each([
    ['with the fast msgpack path', true],
    ['through the library alone (TSCHANNELS_MSGPACK_FAST=0)', false],
  ])('%s', (_name, fastCodec) => {
    const wire = new WireFormat({ randomPrefixLength: 0, fastCodec })
    const library = new WireFormat({ randomPrefixLength: 0, fastCodec: false })
    // A Date keeps a message off the fast path, so each case runs through the library too.
    const cases = [{}, { when: new Date(0) }]

    it('writes a lone surrogate as U+FFFD and never bytes that are not UTF-8', () => {
      for (const extra of cases) {
        const bytes = wire.encode({ type: 'a', ['k\ud800']: 'x\udfffy', ...extra })
        expect(bytes.includes(Buffer.from([0xed, 0xa0, 0x80]))).toBe(false)
        expect(bytes.includes(Buffer.from([0xed, 0xbf, 0xbf]))).toBe(false)
        expect(wire.decode(bytes)?.message).toMatchObject({ type: 'a', 'k\ufffd': 'x\ufffdy' })
      }
    })

    it('carries integers beyond 2**53 as BigInts both ways, and smaller ones as numbers', () => {
      for (const extra of cases) {
        const message = {
          type: 'a',
          big: 2n ** 60n + 1n,
          low: -(2n ** 63n),
          time: 1_767_225_600_000,
          ...extra,
        }
        const decoded = wire.decode(wire.encode(message))?.message
        expect(decoded).toMatchObject({ big: 2n ** 60n + 1n, low: -(2n ** 63n), time: 1_767_225_600_000 })
      }
    })

    it('writes the same bytes as the library path', () => {
      const message = { type: 'a', big: 7n, time: 2 ** 41, text: 'é\ud800', data: new Uint8Array([1, 2]) }
      expect(wire.encode(message)).toEqual(library.encode(message))
    })

    it('refuses what msgpack cannot carry with UnencodableMessage', () => {
      const cycle: LayerMessage = { type: 'a' }
      cycle.self = cycle
      const refused: LayerMessage[] = [
        { type: 'a', f: () => 1 },
        { type: 'a', s: Symbol('s') },
        { type: 'a', huge: 2n ** 64n },
        cycle,
      ]
      for (const message of refused) {
        const error = (() => {
          try {
            wire.encode(message)
          } catch (thrown) {
            return thrown
          }
        })()
        expect(error).toBeInstanceOf(UnencodableMessage)
        expect((error as UnencodableMessage).code).toBe('CHANNELS_ERR_UNENCODABLE_MESSAGE')
      }
    })
  })
})

describe('RedisChannelLayer options', () => {
  it.each<[RedisChannelLayerOptions, string]>([
    [{ hosts: 'redis://localhost' as unknown as string[] }, 'hosts'],
    [{ hosts: [] }, 'hosts'],
    [{ hosts: ['http://localhost'] }, 'hosts'],
    [{ hosts: [{ sentinels: [], masterName: 'm' }] }, 'sentinels'],
    [{ prefix: 'a*' }, 'prefix'],
    [{ symmetricEncryptionKeys: 'secret' as unknown as string[] }, 'symmetricEncryptionKeys'],
    [{ randomPrefixLength: -1 }, 'randomPrefixLength'],
    [{ connectTimeout: 0 }, 'connectTimeout'],
    [{ capacity: 0 }, 'capacity'],
    [{ hots: [] } as RedisChannelLayerOptions, 'hots'],
  ])('rejects %o with ImproperlyConfigured naming the option', (options, option) => {
    const build = (): RedisChannelLayer => new RedisChannelLayer(options)
    expect(build).toThrow(ImproperlyConfigured)
    expect(build).toThrow(option)
  })

  it('the pub/sub layer has no randomPrefixLength', () => {
    expect(() => new RedisPubSubChannelLayer({ randomPrefixLength: 12 } as RedisChannelLayerOptions)).toThrow(
      ImproperlyConfigured,
    )
  })
})
