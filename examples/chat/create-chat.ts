/**
 * Puts the chat together from its configuration: database, channel layer,
 * presence, tokens, limits and routes.
 *
 * @module
 */

import { createHmac } from 'node:crypto'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

import {
  InMemoryConnectionSlots,
  InMemoryRateLimitStore,
  LoginAttemptLimiter,
  Pbkdf2Sha256Hasher,
  ScryptHasher,
  configureChannelLayers,
  configureSettings,
  getChannelLayer,
} from 'tschannels'
import type { Application, ConnectionSlotStore, RateLimitStore } from 'tschannels'
import { TokenIssuer } from 'tschannels/jwt'

import { ROOM_HISTORY } from './chat-consumer.js'
import type { ChatConfig } from './config.js'
import { chatApplication } from './routing.js'
import type { ChatServices } from './services.js'
import type { ChatStore } from './store/chat-store.js'

/** Where the page's files are: `examples/chat/public`. */
export const PUBLIC_DIR = fileURLToPath(new URL('./public', import.meta.url))

/** Access tokens live five minutes, as the contract says; refresh tokens two weeks, like the session. */
const ACCESS_TTL = 300
const REFRESH_TTL = 14 * 86_400

/** Options of `createChat` beyond the configuration (tests use them). */
export interface CreateChatOptions {
  /** The folder of the page. @default PUBLIC_DIR */
  publicDir?: string
  /** The PostgreSQL schema for every table. @default 'public' */
  postgresSchema?: string
}

/** A running chat: its application and how to release what it holds. */
export interface Chat {
  readonly application: Application
  readonly services: ChatServices
  /** Closes the database, Redis connections and the channel layer. */
  close(): Promise<void>
}

/**
 * Builds the chat. Engines load only when configured: `pg` with
 * `DATABASE_URL`, `ioredis` and the Redis layer with `REDIS_URL`.
 *
 * @example
 * ```ts
 * const chat = await createChat(loadConfig(process.env))
 * const server = await serve(chat.application, { port: 8000 })
 * ```
 */
export async function createChat(config: ChatConfig, options: CreateChatOptions = {}): Promise<Chat> {
  const store = await openStore(config, options)
  configureSettings(
    {
      secretKey: config.secretKey,
      allowedHosts: config.allowedHosts,
      debug: config.debug,
      redisUrl: config.redisUrl,
      databaseUrl: config.databaseUrl,
      sessionStore: store.sessions,
      userStore: store.users,
      sessionCookieSecure: config.sessionCookieSecure,
    },
    // The configuration has read the environment already, with the chat's own defaults.
    { env: {} },
  )
  let limits: RateLimitStore
  let slots: ConnectionSlotStore
  let closeRedis = async (): Promise<void> => {}
  if (config.redisUrl !== undefined) {
    await import('tschannels/layers/redis')
    const { RedisConnectionSlots, RedisRateLimitStore } = await import('tschannels/redis')
    const { Redis } = await import('ioredis')
    configureChannelLayers({
      default: {
        backend: 'redis',
        options: { hosts: [config.redisUrl], capacity: 1000, history: ROOM_HISTORY },
      },
    })
    // Lazy: the cluster primary imports this module but serves nothing.
    const client = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 })
    client.on('error', () => undefined)
    limits = new RedisRateLimitStore({ client })
    slots = new RedisConnectionSlots({ client })
    closeRedis = () => client.quit().then(() => undefined)
  } else {
    configureChannelLayers({
      default: { backend: 'memory', options: { capacity: 1000, history: ROOM_HISTORY } },
    })
    limits = new InMemoryRateLimitStore()
    slots = new InMemoryConnectionSlots()
  }
  const services: ChatServices = {
    config,
    store,
    users: store.users,
    passwords: { hashers: [new ScryptHasher(), new Pbkdf2Sha256Hasher()] },
    tokens: new TokenIssuer({
      key: jwtKey(config.secretKey),
      algorithm: 'HS256',
      issuer: 'tschannels-chat',
      accessTtl: ACCESS_TTL,
      refreshTtl: REFRESH_TTL,
      refreshStore: store.refreshTokens,
      users: store.users,
    }),
    // Per (address, username): nobody can lock a user out from another address.
    loginLimiter: new LoginAttemptLimiter({
      store: limits,
      usernameScope: 'username-and-address',
      perUsername: config.limits.loginFailuresPerUser || null,
      perAddress: config.limits.loginFailuresPerAddress || null,
      windowSeconds: config.limits.loginWindow,
    }),
    limits,
    slots,
  }
  const application = chatApplication(services, resolve(options.publicDir ?? PUBLIC_DIR))
  return {
    application,
    services,
    async close() {
      await slots.close()
      await limits.close()
      await closeRedis()
      await getChannelLayer()?.close()
      await store.close()
    },
  }
}

/**
 * The JWT signing key: derived from `SECRET_KEY` (HMAC-SHA256 with a fixed
 * label), so every process sharing the secret accepts every other's tokens,
 * and a leaked token key does not reveal the secret that signs sessions.
 */
export function jwtKey(secretKey: string): Uint8Array {
  return new Uint8Array(createHmac('sha256', secretKey).update('tschannels.chat.jwt.hs256').digest())
}

async function openStore(config: ChatConfig, options: CreateChatOptions): Promise<ChatStore> {
  if (config.databaseUrl !== undefined) {
    const { PostgresChatStore } = await import('./store/postgres-store.js')
    const store = new PostgresChatStore({
      connectionString: config.databaseUrl,
      ...(options.postgresSchema !== undefined ? { schema: options.postgresSchema } : {}),
    })
    await store.ready()
    return store
  }
  const { SqliteChatStore } = await import('./store/sqlite-store.js')
  return new SqliteChatStore(join(config.dataDir, 'chat.sqlite3'))
}
