/**
 * The example end to end, as a person would use it: the real Django site
 * (runserver), a login on Django's own login page, the tschannels app on a
 * real socket, and a Django view's group_send reaching the browser.
 */

import { spawn, spawnSync } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'

import {
  configureChannelLayers,
  configureSettings,
  getChannelLayer,
  resetChannelLayers,
  resetSettings,
} from 'tschannels'
import 'tschannels/layers/redis'
import { DjangoSite } from 'tschannels/django'
import { serve } from 'tschannels/server'
import type { ServerHandle } from 'tschannels/server'

import { djangoSkipReason } from '../../test/django/django-peer.js'
import { PYTHON } from '../../test/interop/python-peer.js'
import { REDIS_URL, redisSkipReason } from '../../test/layers/redis/redis-service.js'
import { createApplication } from './app.js'

const MANAGE = fileURLToPath(new URL('./site/manage.py', import.meta.url))
const SECRET_KEY = 'django-insecure-example-test-key-0123456789abcdefghijklmn'
const skipReason = (await redisSkipReason()) ?? djangoSkipReason()

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** A browser's cookie jar, for one host, enough for Django's login form. */
class Browser {
  readonly cookies = new Map<string, string>()
  constructor(readonly origin: string) {}

  get cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ')
  }

  async request(
    path: string,
    init: { method?: string; form?: Record<string, string> } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = { cookie: this.cookieHeader, referer: `${this.origin}/` }
    if (init.form !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded'
    const response = await fetch(`${this.origin}${path}`, {
      method: init.method ?? 'GET',
      headers,
      redirect: 'manual',
      ...(init.form !== undefined ? { body: new URLSearchParams(init.form).toString() } : {}),
    })
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';')
      const at = pair!.indexOf('=')
      const name = pair!.slice(0, at)
      const value = pair!.slice(at + 1)
      if (value === '' || value === '""') this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
    return response
  }

  async logIn(username: string, password: string): Promise<void> {
    const page = await (await this.request('/accounts/login/')).text()
    const token = /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(page)![1]!
    const response = await this.request('/accounts/login/', {
      method: 'POST',
      form: { username, password, csrfmiddlewaretoken: token },
    })
    expect(response.status).toBe(302)
  }

  /** Opens the tschannels socket the page opens, with this browser's cookies and origin. */
  openSocket(url: string): {
    socket: WebSocket
    messages: AsyncGenerator<Record<string, unknown>>
    closed: Promise<number>
  } {
    const socket = new WebSocket(url, { headers: { cookie: this.cookieHeader, origin: this.origin } })
    const queue: Array<Record<string, unknown>> = []
    const waiters: Array<(value: Record<string, unknown>) => void> = []
    socket.on('message', (data) => {
      const message = JSON.parse((data as Buffer).toString()) as Record<string, unknown>
      const waiter = waiters.shift()
      if (waiter !== undefined) waiter(message)
      else queue.push(message)
    })
    const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)))
    async function* messages(): AsyncGenerator<Record<string, unknown>> {
      for (;;)
        yield (
          queue.shift() ?? (await new Promise<Record<string, unknown>>((resolve) => waiters.push(resolve)))
        )
    }
    return { socket, messages: messages(), closed }
  }
}

describe.skipIf(skipReason !== undefined)('the Django example', () => {
  let folder: string
  let django: ChildProcess
  let server: ServerHandle
  let site: DjangoSite
  let origin: string
  let wsUrl: string

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'tschannels-django-example-'))
    const prefix = `example${process.pid}${Date.now()}`
    const env = {
      ...process.env,
      SECRET_KEY,
      DATABASE_URL: `sqlite:///${folder}/db.sqlite3`,
      REDIS_URL,
      CHANNEL_PREFIX: prefix,
      ALLOWED_HOSTS: '127.0.0.1',
    }
    const run = (args: string[]): void => {
      const result = spawnSync(PYTHON, [MANAGE, ...args], { env, encoding: 'utf8', timeout: 60_000 })
      if (result.status !== 0) throw new Error(`manage.py ${args[0]} failed:\n${result.stderr}`)
    }
    run(['migrate', '--verbosity', '0'])
    run([
      'shell',
      '-c',
      'from django.contrib.auth.models import User, Permission\n' +
        "ada = User.objects.create_user('ada', password='ada-password')\n" +
        "ada.user_permissions.add(Permission.objects.get(codename='view_user'))\n" +
        "User.objects.create_user('bob', password='bob-password')\n",
    ])
    const port = await freePort()
    origin = `http://127.0.0.1:${port}`
    django = spawn(PYTHON, [MANAGE, 'runserver', `127.0.0.1:${port}`, '--noreload'], { env, stdio: 'ignore' })
    // Ready when it answers; each try waits for the connection, not a fixed time.
    for (let attempt = 0; ; attempt++) {
      try {
        await fetch(`${origin}/accounts/login/`)
        break
      } catch (error) {
        if (attempt > 300 || django.exitCode !== null) throw error
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    }

    configureSettings({ secretKey: SECRET_KEY, allowedHosts: ['127.0.0.1'] }, { env: {} })
    configureChannelLayers({
      default: { BACKEND: 'channels_redis.core.RedisChannelLayer', CONFIG: { hosts: [REDIS_URL], prefix } },
    })
    site = new DjangoSite({ databaseUrl: env.DATABASE_URL })
    server = await serve(createApplication(site), { host: '127.0.0.1', port: 0 })
    const address = server.address() as { port: number }
    wsUrl = `ws://127.0.0.1:${address.port}/ws/me/`
  }, 120_000)

  afterAll(async () => {
    await server?.close()
    await site?.close()
    // The layer's keys live under this run's own prefix; leave none behind on the shared Redis.
    await getChannelLayer()?.flush()
    await resetChannelLayers()
    resetSettings()
    django?.kill()
    if (folder !== undefined) rmSync(folder, { recursive: true, force: true })
  })

  it("a browser logged in on Django's page is its Django user on the tschannels socket", async () => {
    const browser = new Browser(origin)
    await browser.logIn('ada', 'ada-password')
    const { socket, messages } = browser.openSocket(wsUrl)
    const me = (await messages.next()).value as { type: string; user: Record<string, unknown> }
    expect(me).toMatchObject({ type: 'me', user: { username: 'ada', permissions: ['auth.view_user'] } })
    socket.close()
  })

  it("a Django view's group_send reaches every browser on tschannels", async () => {
    const ada = new Browser(origin)
    await ada.logIn('ada', 'ada-password')
    const bob = new Browser(origin)
    await bob.logIn('bob', 'bob-password')
    const adaSocket = ada.openSocket(wsUrl)
    const bobSocket = bob.openSocket(wsUrl)
    await adaSocket.messages.next()
    await bobSocket.messages.next()
    const sent = await ada.request('/announce/', {
      method: 'POST',
      form: { text: 'hello from Django', csrfmiddlewaretoken: ada.cookies.get('csrftoken')! },
    })
    expect(sent.status).toBe(200)
    for (const { messages } of [adaSocket, bobSocket]) {
      expect((await messages.next()).value).toEqual({
        type: 'announcement',
        text: 'hello from Django',
        by: 'ada',
      })
    }
    adaSocket.socket.close()
    bobSocket.socket.close()
  })

  it('a browser that never logged in, or logged out on Django, is closed with 4401', async () => {
    const stranger = new Browser(origin)
    expect(await stranger.openSocket(wsUrl).closed).toBe(4401)
    const ada = new Browser(origin)
    await ada.logIn('ada', 'ada-password')
    await ada.request('/accounts/logout/', {
      method: 'POST',
      form: { csrfmiddlewaretoken: ada.cookies.get('csrftoken')! },
    })
    expect(await ada.openSocket(wsUrl).closed).toBe(4401)
  })
})
