import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { PASSWORD, api, joinWithCookie, register, uniqueRoom, uniqueUser } from './harness.js'
import type { RunningChat, TestSocket } from './harness.js'
import { spawnChat } from './processes.js'
import type { ChatProcess } from './processes.js'
import { redisUrlOrSkip } from './needs.js'

const redisUrl = await redisUrlOrSkip()
const dataDir = mkdtempSync(join(tmpdir(), 'chat-redis-'))
const sockets: TestSocket[] = []
let a: ChatProcess | undefined
let b: ChatProcess | undefined

beforeAll(async () => {
  if (redisUrl === undefined) return
  // A Redis database of its own, so layer tests that flush theirs cannot touch it.
  const url = new URL(redisUrl)
  url.pathname = '/7'
  // Both share Redis and the SQLite folder (and so the generated secret key); started at once on purpose.
  // Registrations are counted in Redis, which outlives the run: allow every run's.
  const env = {
    REDIS_URL: url.toString(),
    DATA_DIR: dataDir,
    SECRET_KEY: '',
    DATABASE_URL: '',
    CHAT_REGISTRATIONS_PER_ADDRESS: '100000',
  }
  ;[a, b] = await Promise.all([spawnChat(env), spawnChat(env)])
}, 60_000)

afterAll(async () => {
  await Promise.all(sockets.splice(0).map((socket) => socket.close()))
  await Promise.all([a?.stop(), b?.stop()])
  rmSync(dataDir, { recursive: true, force: true })
}, 30_000)

/** The harness's helpers take a running chat; a process has the same fields. */
const asChat = (p: ChatProcess) => p as unknown as RunningChat

async function login(p: ChatProcess, username: string): Promise<string> {
  const response = await api(p.base, 'POST', '/api/login', { username, password: PASSWORD })
  expect(response.status).toBe(200)
  return response.headers.getSetCookie()[0]!.split(';')[0]!
}

async function joinRoom(
  p: ChatProcess,
  room: string,
  cookie: string,
): Promise<{ socket: TestSocket; members: string[] }> {
  const joined = await joinWithCookie(asChat(p), room, cookie)
  sockets.push(joined.socket)
  return joined
}

describe.skipIf(redisUrl === undefined)('two chat processes sharing Redis and the database', () => {
  it('share users, sessions and tokens: what one issues, the other accepts', async () => {
    const username = uniqueUser()
    await register(a!.base, username)
    expect((await api(b!.base, 'POST', '/api/register', { username, password: PASSWORD })).status).toBe(409)
    const cookie = await login(a!, username)
    expect(await api(b!.base, 'GET', '/api/me', undefined, { cookie })).toMatchObject({
      status: 200,
      body: { username },
    })
    const pair = (await api(b!.base, 'POST', '/api/token', { username, password: PASSWORD })).body as {
      access: string
      refresh: string
    }
    expect(
      (await api(a!.base, 'GET', '/api/me', undefined, { authorization: `Bearer ${pair.access}` })).status,
    ).toBe(200)
    expect((await api(a!.base, 'POST', '/api/token/refresh', { refresh: pair.refresh })).status).toBe(200)
    // The reuse is caught by the other process.
    expect((await api(b!.base, 'POST', '/api/token/refresh', { refresh: pair.refresh })).status).toBe(401)
  })

  it('carries messages and presence across processes', async () => {
    const room = uniqueRoom()
    const alice = uniqueUser('alice')
    const bob = uniqueUser('bob')
    await register(a!.base, alice)
    await register(b!.base, bob)
    const aliceCookie = await login(a!, alice)
    const bobCookie = await login(b!, bob)

    const aliceOnA = await joinRoom(a!, room, aliceCookie)
    expect(aliceOnA.members).toEqual([alice])
    const bobOnB = await joinRoom(b!, room, bobCookie)
    expect(bobOnB.members).toEqual([alice, bob].sort())
    expect(await aliceOnA.socket.next(5000)).toEqual({ action: 'presence', data: { joined: bob } })

    aliceOnA.socket.send({ action: 'message', data: { text: 'hello from A', ref: 'x1' } })
    const onB = (await bobOnB.socket.nextAction('message', 5000)).data as Record<string, unknown>
    expect(onB).toMatchObject({ text: 'hello from A', username: alice, ref: 'x1' })
    expect((await aliceOnA.socket.nextAction('message', 5000)).data).toEqual(onB)

    bobOnB.socket.send({ action: 'message', data: { text: 'hello from B' } })
    expect(((await aliceOnA.socket.nextAction('message', 5000)).data as { text: string }).text).toBe(
      'hello from B',
    )

    // Bob's second connection, on the other process: no `joined`; closing one of two: no `left`.
    const bobOnA = await joinRoom(a!, room, bobCookie)
    expect(bobOnA.members).toEqual([alice, bob].sort())
    await bobOnB.socket.close()
    expect(await aliceOnA.socket.nothing(500)).toBe(true)
    await bobOnA.socket.close()
    expect(await aliceOnA.socket.next(5000)).toEqual({ action: 'presence', data: { left: bob } })

    // History is shared too.
    const history = await api(b!.base, 'GET', `/api/rooms/${room}/messages`, undefined, { cookie: bobCookie })
    expect((history.body as { messages: { text: string }[] }).messages.map((m) => m.text)).toEqual([
      'hello from A',
      'hello from B',
    ])
  })
})
