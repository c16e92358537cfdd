import { createServer, type Server, type Socket } from 'node:net'

import { Redis } from 'ioredis'
import { describe, expect, it, onTestFinished } from 'vitest'

import { LayerUnavailable } from '../../../src/errors.js'
import { FastPublisher, type PublisherEvents } from '../../../src/layers/redis/fast-publisher.js'
import { RedisPubSubChannelLayer } from '../../../src/layers/redis/index.js'
import { publisherTarget } from '../../../src/layers/redis/publisher-target.js'
import type { LayerMessage } from '../../../src/types.js'
import { PrivateRedis, redisServerSkipReason } from './redis-server.js'
import { REDIS_URL, closeAfterTest, redisSkipReason, uniquePrefix } from './redis-service.js'

const skipReason = await redisSkipReason()
const serverSkipReason = redisServerSkipReason()

/** A TCP server that answers each command (one per `*` line) with the next scripted reply. */
async function fakeRedis(replyTo: (command: string[], index: number) => string): Promise<Server> {
  const server = createServer((socket: Socket) => {
    let buffered = ''
    let index = 0
    socket.on('data', (chunk) => {
      buffered += chunk.toString('latin1')
      for (;;) {
        const parsed = parseCommand(buffered)
        if (parsed === undefined) return
        buffered = buffered.slice(parsed.length)
        // Byte by byte, so that replies arrive split across reads.
        for (const byte of replyTo(parsed.parts, index++)) socket.write(byte)
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return server
}

function parseCommand(text: string): { parts: string[]; length: number } | undefined {
  const lines = text.split('\r\n')
  if (lines.length < 2 || !lines[0]!.startsWith('*')) return undefined
  const count = Number(lines[0]!.slice(1))
  if (lines.length < 2 + count * 2) return undefined
  const parts: string[] = []
  for (let i = 0; i < count; i++) parts.push(lines[2 + i * 2]!)
  const length = lines.slice(0, 1 + count * 2).join('\r\n').length + 2
  return { parts, length }
}

function portOf(server: Server): number {
  return (server.address() as { port: number }).port
}

/** Events that resolve when the publisher is ready or closed. */
function watch(): { events: PublisherEvents; ready: Promise<void>; closed: Promise<[string, boolean]> } {
  let onReady!: () => void
  let onClosed!: (value: [string, boolean]) => void
  const ready = new Promise<void>((resolve) => (onReady = resolve))
  const closed = new Promise<[string, boolean]>((resolve) => (onClosed = resolve))
  return {
    events: { ready: onReady, closed: (reason, refused) => onClosed([reason, refused]) },
    ready,
    closed,
  }
}

describe('FastPublisher against a scripted server', () => {
  it('authenticates, names itself, and settles each publish with its own reply, split across reads', async () => {
    const seen: string[][] = []
    const server = await fakeRedis((command, index) => {
      seen.push(command)
      if (index < 2) return '+OK\r\n'
      return index === 3 ? '-ERR not this one\r\n' : `:${index}\r\n`
    })
    const { events, ready } = watch()
    const publisher = new FastPublisher(
      { host: '127.0.0.1', port: portOf(server), username: 'app', password: 'p4ss' },
      events,
    )
    onTestFinished(() => publisher.close())
    expect(publisher.ready).toBe(false)
    await ready
    expect(publisher.ready).toBe(true)
    const outcomes = await new Promise<Array<Error | undefined>>((resolve) => {
      const results: Array<Error | undefined> = []
      const settle = (error?: Error): void => {
        results.push(error)
        if (results.length === 3) resolve(results)
      }
      publisher.publish(
        ['chat.a', Buffer.from('one'), 'chat.b', 'twö', 'chat.c', Buffer.alloc(0)],
        [settle, settle, settle],
      )
    })
    expect(seen.slice(0, 2)).toEqual([
      ['AUTH', 'app', 'p4ss'],
      ['CLIENT', 'SETNAME', 'tschannels-publisher'],
    ])
    expect(seen.slice(2)).toEqual([
      ['PUBLISH', 'chat.a', 'one'],
      ['PUBLISH', 'chat.b', Buffer.from('twö').toString('latin1')],
      ['PUBLISH', 'chat.c', ''],
    ])
    expect(outcomes[0]).toBeUndefined()
    expect(outcomes[1]).toMatchObject({ name: 'ReplyError', message: 'ERR not this one' })
    expect(outcomes[2]).toBeUndefined()
  })

  it('reports a refused handshake as refused, so the shard stops trying', async () => {
    const server = await fakeRedis(() => '-WRONGPASS invalid username-password pair\r\n')
    const { events, closed } = watch()
    const publisher = new FastPublisher({ host: '127.0.0.1', port: portOf(server), password: 'bad' }, events)
    const [reason, refused] = await closed
    expect(refused).toBe(true)
    expect(reason).toContain('WRONGPASS')
    expect(publisher.ready).toBe(false)
  })

  it('goes on when Redis says it needs no password, as ioredis does', async () => {
    const server = await fakeRedis((_command, index) =>
      index === 0
        ? '-ERR AUTH <password> called without any password configured for the default user\r\n'
        : '+OK\r\n',
    )
    const { events, ready } = watch()
    const publisher = new FastPublisher({ host: '127.0.0.1', port: portOf(server), password: 'x' }, events)
    onTestFinished(() => publisher.close())
    await ready
    expect(publisher.ready).toBe(true)
  })

  it('fails the publishes in flight as a lost connection, not as a reply error', async () => {
    const server = await fakeRedis((command) => (command[0] === 'PUBLISH' ? '' : '+OK\r\n'))
    const { events, ready, closed } = watch()
    const publisher = new FastPublisher({ host: '127.0.0.1', port: portOf(server) }, events)
    await ready
    const failed = new Promise<Error | undefined>((resolve) => publisher.publish(['c', 'm'], [resolve]))
    // Give the command time to reach the server, which never answers it.
    await new Promise((resolve) => setTimeout(resolve, 50))
    publisher.close()
    const error = await failed
    expect(error).toBeInstanceOf(Error)
    expect(error?.name).toBe('Error')
    expect(error?.message).toContain('The publishing connection to Redis was lost')
    expect((await closed)[1]).toBe(false)
  })
})

describe('publisherTarget', () => {
  it.skipIf(skipReason !== undefined)(
    'is the address and credentials of a plain TCP connection',
    async () => {
      const client = new Redis(REDIS_URL)
      onTestFinished(() => client.disconnect())
      await client.ping()
      const target = publisherTarget(client)
      expect(target?.port).toBe(client.stream.remotePort)
      expect(target?.host).toBe(client.stream.remoteAddress)
      expect(target?.password).toBeUndefined()
    },
  )

  it('sends a password alone when the URL names no user', async () => {
    const server = await fakeRedis(() => '+OK\r\n')
    const client = new Redis(`redis://:pw@127.0.0.1:${portOf(server)}`, { enableReadyCheck: false })
    onTestFinished(() => client.disconnect())
    await client.call('PING')
    expect(publisherTarget(client)).toEqual({
      host: '127.0.0.1',
      port: portOf(server),
      username: undefined,
      password: 'pw',
    })
  })

  it('is nothing for a Sentinel, TLS or Unix socket connection', () => {
    const clients = [
      new Redis({ lazyConnect: true, sentinels: [{ host: '127.0.0.1', port: 1 }], name: 'm' }),
      new Redis({ lazyConnect: true, tls: {} }),
      new Redis({ lazyConnect: true, path: '/tmp/redis.sock' }),
    ]
    for (const client of clients) {
      expect(publisherTarget(client)).toBeUndefined()
      client.disconnect()
    }
  })
})

const receiveWithin = (layer: RedisPubSubChannelLayer, channel: string): Promise<LayerMessage> =>
  layer.receive(channel, { signal: AbortSignal.timeout(10_000) })

/** The ids of the clients named `tschannels-publisher`, from CLIENT LIST. */
async function publisherIds(client: Redis): Promise<string[]> {
  const list = (await client.call('CLIENT', 'LIST')) as string
  return list
    .split('\n')
    .filter((line) => line.includes(' name=tschannels-publisher '))
    .map((line) => /\bid=(\d+)/.exec(line)![1]!)
}

async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** A private Redis, a client to inspect it, and two pub/sub layers on it standing for two processes. */
async function twoProcesses(): Promise<{
  admin: Redis
  sender: RedisPubSubChannelLayer
  receiver: RedisPubSubChannelLayer
  channel: string
}> {
  const redis = await PrivateRedis.start()
  onTestFinished(() => redis.kill())
  const admin = new Redis(redis.url)
  onTestFinished(() => admin.disconnect())
  const prefix = uniquePrefix('fastpub')
  const sender = new RedisPubSubChannelLayer({ hosts: [redis.url], prefix })
  const receiver = new RedisPubSubChannelLayer({ hosts: [redis.url], prefix, capacity: 1_000 })
  closeAfterTest(sender, receiver)
  return { admin, sender, receiver, channel: await receiver.newChannel() }
}

describe.skipIf(serverSkipReason !== undefined)('the pub/sub layer with a publishing connection', () => {
  it('keeps the order of sends across the switch from ioredis to its own connection, behind ACL auth', async () => {
    const redis = await PrivateRedis.start()
    onTestFinished(() => redis.kill())
    const admin = new Redis(redis.url)
    onTestFinished(() => admin.disconnect())
    await admin.call('ACL', 'SETUSER', 'app', 'on', '>s3cret', '~*', '&*', '+@all')
    await admin.call('ACL', 'SETUSER', 'default', 'off')
    const url = `redis://app:s3cret@127.0.0.1:${redis.port}`
    const prefix = uniquePrefix('fastpub')
    const sender = new RedisPubSubChannelLayer({ hosts: [url], prefix, capacity: 10_000 })
    const receiver = new RedisPubSubChannelLayer({ hosts: [url], prefix, capacity: 10_000 })
    closeAfterTest(sender, receiver)
    const channel = await receiver.newChannel()
    const received: number[] = []
    const total = 2_000
    const collecting = (async () => {
      while (received.length < total) received.push((await receiveWithin(receiver, channel)).n as number)
    })()
    // Many ticks of a few sends each: the first go out on ioredis, the rest on the publisher once it is up.
    for (let n = 0; n < total; n += 4) {
      await Promise.all([0, 1, 2, 3].map((k) => sender.send(channel, { type: 'seq', n: n + k })))
    }
    await collecting
    expect(received).toEqual(Array.from({ length: total }, (_, n) => n))
    const inspect = new Redis(url)
    onTestFinished(() => inspect.disconnect())
    expect(await publisherIds(inspect)).toHaveLength(1)
  })

  it('lets the sends on their way arrive when the layer is closed right after them', async () => {
    const { admin, sender, receiver, channel } = await twoProcesses()
    // The publishing connection opens on a send made once the command connection is up, so keep sending.
    await until(async () => {
      await sender.send(channel, { type: 'first' })
      await receiveWithin(receiver, channel)
      return (await publisherIds(admin)).length === 1
    }, 'the publishing connection')
    const sends = Array.from({ length: 100 }, (_, n) => sender.send(channel, { type: 'last', n }))
    await sender.close()
    await expect(Promise.all(sends)).resolves.toHaveLength(100)
    for (let n = 0; n < 100; n++) expect((await receiveWithin(receiver, channel)).n).toBe(n)
    await until(async () => (await publisherIds(admin)).length === 0, 'the publishing connection to close')
  })

  it('fails only the sends in flight when its connection is killed, then opens a new one', async () => {
    const { admin, sender, receiver, channel } = await twoProcesses()
    const sendAndReceive = async (n: number): Promise<void> => {
      await sender.send(channel, { type: 'seq', n })
      expect((await receiveWithin(receiver, channel)).n).toBe(n)
    }
    for (let n = 0; n < 20; n++) await sendAndReceive(n)
    await until(async () => (await publisherIds(admin)).length === 1, 'the publishing connection')
    const [first] = await publisherIds(admin)
    // Sends racing the kill either arrive or fail as LayerUnavailable; none throws anything else.
    const racing = Promise.allSettled(
      Array.from({ length: 50 }, (_, n) => sender.send(channel, { type: 'race', n })),
    )
    await admin.call('CLIENT', 'KILL', 'ID', first!)
    const outcomes = await racing
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(LayerUnavailable)
    }
    const arrived = outcomes.filter((outcome) => outcome.status === 'fulfilled').length
    for (let n = 0; n < arrived; n++) expect((await receiveWithin(receiver, channel)).type).toBe('race')
    // Sending goes on (through ioredis meanwhile), and a new publishing connection takes over.
    for (let n = 100; n < 120; n++) await sendAndReceive(n)
    await until(async () => {
      await sendAndReceive(200)
      const ids = await publisherIds(admin)
      return ids.length === 1 && ids[0] !== first
    }, 'a new publishing connection')
  })
})
