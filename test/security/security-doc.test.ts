/**
 * The samples of docs/security.md's "Connection caps" and "Login attempts"
 * sections, run as written (test/doc-samples.test.ts compiles every doc
 * comment's example).
 */

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll, describe, expect, it } from 'vitest'

import { Pbkdf2Sha256Hasher } from '../../src/auth/hashers/pbkdf2-hasher.js'
import { WebsocketCommunicator } from '../../src/testing/websocket-communicator.js'
import type { Application } from '../../src/types.js'

const ROOT = new URL('../../', import.meta.url)
const page = readFileSync(new URL('docs/security.md', ROOT), 'utf8')
const dir = mkdtempSync(join(tmpdir(), 'tschannels-security-doc-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** The first `ts` block of the section under `heading`. */
function sample(heading: string): string {
  const start = page.indexOf(`\n## ${heading}\n`)
  expect(start, heading).toBeGreaterThan(0)
  const block = /```ts\n([\s\S]*?)```/.exec(page.slice(start))
  return block![1]!
}

/** Writes `code` to a module of its own and imports it (the vitest aliases resolve `tschannels`). */
async function load<T>(name: string, code: string): Promise<T> {
  const file = join(dir, `${name}.ts`)
  writeFileSync(file, code)
  return (await import(/* @vite-ignore */ file)) as T
}

describe('docs/security.md', () => {
  it('runs the connection caps sample: the 21st socket from one address is closed with 4008', async () => {
    const { application } = await load<{ application: Application }>('caps', sample('Connection caps'))
    const open: WebsocketCommunicator[] = []
    for (let i = 0; i < 20; i++) {
      const communicator = new WebsocketCommunicator(application, '/ws/room/', { client: ['10.0.0.1', i] })
      expect((await communicator.connect()).connected).toBe(true)
      open.push(communicator)
    }
    const over = new WebsocketCommunicator(application, '/ws/room/', { client: ['10.0.0.1', 99] })
    expect((await over.connect()).connected).toBe(true)
    expect(await over.receiveOutput()).toMatchObject({ type: 'websocket.close', code: 4008 })
    await Promise.all(open.map((communicator) => communicator.disconnect()))
  })

  it('runs the login attempts sample: 40 parallel guesses, 5 checked, 35 told to wait', async () => {
    type LogIn = (u: string, p: string, a: string, o: object) => Promise<unknown>
    const { logIn } = await load<{ logIn: LogIn }>('login', sample('Login attempts'))
    const passwords = { hashers: [new Pbkdf2Sha256Hasher({ iterations: 1 })] }
    const results = await Promise.all(
      Array.from({ length: 40 }, () => logIn('ada', 'guess', '10.0.0.1', passwords)),
    )
    expect(results.filter((result) => result === null)).toHaveLength(5)
    expect(
      results.filter((result) => typeof result === 'object' && result !== null && 'wait' in result),
    ).toHaveLength(35)
  })
})
