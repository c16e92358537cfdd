import { request } from 'node:http'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { buildPageIfStale, startChat } from './harness.js'
import type { RunningChat } from './harness.js'

let chat: RunningChat

beforeAll(async () => {
  buildPageIfStale()
  chat = await startChat()
})

afterAll(async () => {
  await chat.close()
})

/** A raw GET, so paths such as `/../x` reach the server unnormalised. */
function rawGet(
  base: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const url = new URL(base)
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, headers, timeout: 5000 }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', reject)
    req.end()
  })
}

describe('chat page and static files', () => {
  it('serves the page at / as HTML with a strict Content-Security-Policy', async () => {
    const response = await rawGet(chat.base, '/')
    expect(response.status).toBe(200)
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(response.body).toContain('<title>tschannels chat</title>')
    expect(response.headers['content-security-policy']).toContain("default-src 'self'")
    expect(response.headers['x-content-type-options']).toBe('nosniff')
  })

  it('serves scripts as text/javascript and styles as text/css', async () => {
    const script = await rawGet(chat.base, '/js/main.js')
    expect(script.status).toBe(200)
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8')
    const style = await rawGet(chat.base, '/css/base.css')
    expect(style.status).toBe(200)
    expect(style.headers['content-type']).toBe('text/css; charset=utf-8')
  })

  it('answers 304 to a revalidation with the same ETag', async () => {
    const first = await rawGet(chat.base, '/css/chat.css')
    expect(first.headers['cache-control']).toBe('no-cache')
    const etag = first.headers.etag as string
    const second = await rawGet(chat.base, '/css/chat.css', { 'if-none-match': etag })
    expect(second.status).toBe(304)
  })

  it('never serves anything outside the folder, hidden files or unknown types', async () => {
    for (const path of [
      '/../package.json',
      '/js/../../package.json',
      '/%2e%2e/package.json',
      '/js/%2e%2e/%2e%2e/app.ts',
      '/..%2f..%2fpackage.json',
      '/.gitignore',
      '/js/..%5c..%5capp.ts',
      '/nothing.html',
      '/js/',
      '/web/main.ts',
    ]) {
      const response = await rawGet(chat.base, path)
      expect(response.status, path).toBe(404)
      expect(response.body, path).not.toContain('"name"')
    }
  })

  it('refuses methods other than GET and HEAD with 405', async () => {
    const response = await fetch(`${chat.base}/`, { method: 'POST', body: 'x' })
    expect(response.status).toBe(405)
  })
})
