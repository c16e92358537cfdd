import { generateKeyPairSync } from 'node:crypto'

import { SignJWT } from 'jose'
import { describe, expect, it } from 'vitest'

import { InMemoryUserStore } from '../../src/auth/memory-user-store.js'
import { JsonWebsocketConsumer } from '../../src/consumers/json-websocket-consumer.js'
import { ImproperlyConfigured, InvalidToken, TokenReuseDetected } from '../../src/errors.js'
import { createJwtVerifier, JwtAuthMiddleware, TokenIssuer } from '../../src/jwt.js'
import type { JwtAuthMiddlewareOptions } from '../../src/jwt.js'
import { WebsocketCommunicator } from '../../src/testing/websocket-communicator.js'
import type { WebsocketCommunicatorOptions } from '../../src/testing/websocket-communicator.js'

const SECRET = 'jwt-test-secret-that-is-at-least-32-bytes-long'
const key = new TextEncoder().encode(SECRET)
const now = (): number => Math.floor(Date.now() / 1000)

function sign(
  claims: Record<string, unknown>,
  options: { exp?: number; alg?: string; secret?: Uint8Array } = {},
) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: options.alg ?? 'HS256' })
    .setSubject('7')
    .setIssuedAt()
    .setExpirationTime(options.exp ?? now() + 60)
    .sign(options.secret ?? key)
}

/** A notification consumer: close 4401 when the token did not authenticate. */
class MessageNotify extends JsonWebsocketConsumer {
  override async connect() {
    const user = await this.scope.user!
    if (!user.isAuthenticated) return this.close(4401)
    await this.accept()
    await this.sendJson({
      user: user.id,
      subprotocols: this.scope.subprotocols,
      query: this.scope.queryString,
    })
  }
}

async function connect(
  options: Partial<JwtAuthMiddlewareOptions>,
  path = '/ws/',
  client: WebsocketCommunicatorOptions = {},
) {
  const app = JwtAuthMiddleware(MessageNotify.asApp(), { key: SECRET, ...options })
  const communicator = new WebsocketCommunicator(app, path, client)
  return { communicator, result: await communicator.connect() }
}

describe('JwtAuthMiddleware', () => {
  it('authenticates a valid token from the X-Token cookie', async () => {
    const token = await sign({ username: 'ada' })
    const { communicator, result } = await connect({ sources: ['cookie'] }, '/ws/', {
      headers: [['cookie', `X-Token=${token}`]],
    })
    expect(result.connected).toBe(true)
    expect(await communicator.receiveJsonFrom()).toMatchObject({ user: '7' })
    await communicator.disconnect()
  })

  it('authenticates a token from ?token= and removes it from the query string', async () => {
    const token = await sign({})
    const { communicator, result } = await connect({ sources: ['query'] }, `/ws/?room=1&token=${token}`)
    expect(result.connected).toBe(true)
    expect(await communicator.receiveJsonFrom()).toMatchObject({ query: 'room=1' })
    await communicator.disconnect()
  })

  it('authenticates an Authorization: Bearer header', async () => {
    const token = await sign({})
    const { communicator, result } = await connect({}, '/ws/', {
      headers: [['authorization', `Bearer ${token}`]],
    })
    expect(result.connected).toBe(true)
    await communicator.disconnect()
  })

  it('takes the token from Sec-WebSocket-Protocol, echoes bearer and hides the token', async () => {
    const token = await sign({})
    const { communicator, result } = await connect({}, '/ws/', { subprotocols: ['bearer', token, 'chat.v1'] })
    expect(result).toMatchObject({ connected: true, subprotocol: 'bearer' })
    expect(await communicator.receiveJsonFrom()).toMatchObject({ subprotocols: ['bearer', 'chat.v1'] })
    await communicator.disconnect()
  })

  it.each([
    ['missing', async () => ({})],
    [
      'expired',
      async () => ({ headers: [['authorization', `Bearer ${await sign({}, { exp: now() - 3600 })}`]] }),
    ],
    [
      'forged',
      async () => ({
        headers: [
          [
            'authorization',
            `Bearer ${await sign({}, { secret: new TextEncoder().encode(`${SECRET}-attacker`) })}`,
          ],
        ],
      }),
    ],
  ] as const)('closes with 4401 for a %s token', async (_name, options) => {
    const { result } = await connect({}, '/ws/', await options())
    expect(result).toMatchObject({ connected: false, closeCode: 4401 })
  })

  it('records why in scope.authError without the token in the message', async () => {
    const expired = await sign({}, { exp: now() - 3600 })
    let error: InvalidToken | undefined
    const app = JwtAuthMiddleware(
      async (scope, receive, send) => {
        error = scope.type === 'channel' ? undefined : scope.authError
        await receive()
        await send({ type: 'websocket.close', code: error?.closeCode ?? 1000 })
      },
      { key: SECRET },
    )
    const communicator = new WebsocketCommunicator(app, '/', {
      headers: [['authorization', `Bearer ${expired}`]],
    })
    expect((await communicator.connect()).closeCode).toBe(4401)
    expect(error).toBeInstanceOf(InvalidToken)
    expect(error?.reason).toBe('expired')
    expect(error?.message).not.toContain(expired)
    expect(error?.message).not.toContain(expired.split('.')[1])
  })

  it("refuses a token with alg 'none'", async () => {
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
    const unsigned = `${encode({ alg: 'none', typ: 'JWT' })}.${encode({ sub: '7', exp: now() + 60 })}.`
    const { result } = await connect({}, '/', { headers: [['authorization', `Bearer ${unsigned}`]] })
    expect(result.closeCode).toBe(4401)
  })

  it('refuses an HS256 token signed with the RSA public key (algorithm confusion)', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const pem = publicKey.export({ type: 'spki', format: 'pem' })
    const forged = await sign({}, { secret: new TextEncoder().encode(String(pem)) })
    const { result } = await connect({ key: publicKey, algorithms: ['RS256'] }, '/', {
      headers: [['authorization', `Bearer ${forged}`]],
    })
    expect(result.closeCode).toBe(4401)
    const genuine = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256' })
      .setSubject('7')
      .setExpirationTime(now() + 60)
      .sign(privateKey)
    const ok = await connect({ key: publicKey, algorithms: ['RS256'] }, '/', {
      headers: [['authorization', `Bearer ${genuine}`]],
    })
    expect(ok.result.connected).toBe(true)
    await ok.communicator.disconnect()
  })

  it('refuses at construction an algorithm list that does not fit the key, or none', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const inner = MessageNotify.asApp()
    expect(() => JwtAuthMiddleware(inner, { key: publicKey, algorithms: ['HS256'] })).toThrow(
      ImproperlyConfigured,
    )
    expect(() => JwtAuthMiddleware(inner, { key: SECRET, algorithms: ['RS256'] })).toThrow(
      ImproperlyConfigured,
    )
    expect(() => JwtAuthMiddleware(inner, { key: SECRET, algorithms: ['none'] })).toThrow(/none/)
    expect(() => JwtAuthMiddleware(inner, { key: 'short' })).toThrow(/32 bytes/)
    expect(() => JwtAuthMiddleware(inner, { key: publicKey })).toThrow(/algorithms/)
  })

  it('checks nbf, iss and aud, allowing a small clock skew', async () => {
    const verify = createJwtVerifier({ key: SECRET, issuer: 'auth', audience: 'chat', clockTolerance: 5 })
    const base = () =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('1')
        .setIssuer('auth')
        .setAudience('chat')
    expect(
      (
        await verify(
          await base()
            .setExpirationTime(now() - 2)
            .sign(key),
        )
      ).id,
    ).toBe('1')
    await expect(
      verify(
        await base()
          .setExpirationTime(now() + 60)
          .setNotBefore(now() + 60)
          .sign(key),
      ),
    ).rejects.toMatchObject({
      reason: 'not-yet-valid',
    })
    await expect(
      verify(
        await base()
          .setIssuer('evil')
          .setExpirationTime(now() + 60)
          .sign(key),
      ),
    ).rejects.toMatchObject({ reason: 'invalid' })
    await expect(
      verify(
        await base()
          .setAudience('other')
          .setExpirationTime(now() + 60)
          .sign(key),
      ),
    ).rejects.toMatchObject({ reason: 'invalid' })
    await expect(
      verify(
        await new SignJWT({})
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject('1')
          .setIssuer('auth')
          .setAudience('chat')
          .sign(key),
      ),
    ).rejects.toThrow(InvalidToken)
  })

  it('looks the user up when given a store and refuses unknown and inactive users', async () => {
    const users = new InMemoryUserStore()
    const ada = await users.create({ username: 'ada', passwordHash: 'x' })
    const bob = await users.create({ username: 'bob', passwordHash: 'x', isActive: false })
    const verify = createJwtVerifier({ key: SECRET, users })
    const tokenFor = (sub: string) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(sub)
        .setExpirationTime(now() + 60)
        .sign(key)
    expect((await verify(await tokenFor(ada.id))).username).toBe('ada')
    await expect(verify(await tokenFor(bob.id))).rejects.toMatchObject({ reason: 'inactive-user' })
    await expect(verify(await tokenFor('999'))).rejects.toMatchObject({ reason: 'unknown-user' })
  })

  it('refuses the handshake with 401 when required', async () => {
    const app = JwtAuthMiddleware(MessageNotify.asApp(), { key: SECRET, required: true })
    const result = await new WebsocketCommunicator(app, '/').connect()
    expect(result.response?.status).toBe(401)
  })
})

describe('TokenIssuer', () => {
  it('issues an access token the middleware accepts and a refresh token it refuses', async () => {
    const issuer = new TokenIssuer({ key: SECRET, issuer: 'chat' })
    const pair = await issuer.issue({ id: '7', username: 'ada' })
    const verify = createJwtVerifier(issuer.verifyOptions)
    expect(await verify(pair.access)).toMatchObject({ id: '7', username: 'ada' })
    await expect(verify(pair.refresh)).rejects.toThrow(InvalidToken)
  })

  it('rotates refresh tokens and revokes the family when a spent one comes back', async () => {
    const issuer = new TokenIssuer({ key: SECRET })
    const first = await issuer.issue({ id: '7' })
    const second = await issuer.refresh(first.refresh)
    expect(second.refresh).not.toBe(first.refresh)
    await expect(issuer.refresh(first.refresh)).rejects.toThrow(TokenReuseDetected)
    // The thief's copy is spent; so is the legitimate holder's latest token.
    await expect(issuer.refresh(second.refresh)).rejects.toMatchObject({ reason: 'revoked' })
  })

  it('revokes a family at logout', async () => {
    const issuer = new TokenIssuer({ key: SECRET })
    const pair = await issuer.issue({ id: '7' })
    await issuer.revoke(pair.refresh)
    await expect(issuer.refresh(pair.refresh)).rejects.toThrow(InvalidToken)
  })

  it('signs with a private RSA key and verifies with its public half', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const issuer = new TokenIssuer({ key: privateKey, algorithm: 'RS256' })
    const pair = await issuer.issue({ id: '9' })
    expect((await createJwtVerifier(issuer.verifyOptions)(pair.access)).id).toBe('9')
  })
})
