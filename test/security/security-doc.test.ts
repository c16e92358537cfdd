/**
 * The samples of docs/security.md's "Connection caps" and "Login attempts"
 * sections, run as written, and the examples in the doc comments of the
 * connection caps and the login limiter, compiled.
 */

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import ts from 'typescript'
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

/** Source files whose `@example` blocks are compiled below. */
const DOCUMENTED = [
  'src/security/connection-cap-middleware.ts',
  'src/security/connection-slots.ts',
  'src/security/stores/redis-connection-slots.ts',
  'src/auth/login-attempt-limiter.ts',
]

// What the examples take as given, as their prose does.
const GIVEN = [
  'AllowedHostsOriginValidator',
  'AuthMiddlewareStack',
  'ConnectionCapMiddleware',
  'InMemoryConnectionSlots',
  'LoginAttemptLimiter',
  'ProtocolTypeRouter',
  'URLRouter',
  'authenticate',
]
const DECLARED = `
import type { Application, Route, UserStore, WebsocketScope } from 'tschannels'
declare const router: Application
declare const routes: Route[]
declare const users: UserStore
declare const username: string
declare const password: string
declare const scope: WebsocketScope
export {}
`

/** The prelude for `code`: the given names it does not import itself, and the declared values. */
function prelude(code: string): string {
  const imported = new Set(
    [...code.matchAll(/import \{([^}]*)\}/g)].flatMap(([, names]) => names!.split(',').map((n) => n.trim())),
  )
  const given = GIVEN.filter((name) => !imported.has(name))
  return `import { ${given.join(', ')} } from 'tschannels'\n${DECLARED}`
}

describe('doc comment examples', () => {
  it('compile against the sources', () => {
    const files = new Map<string, string>()
    for (const source of DOCUMENTED) {
      const text = readFileSync(new URL(source, ROOT), 'utf8')
      const examples = [...text.matchAll(/@example\n\s*\* ```ts\n([\s\S]*?)\n\s*\* ```/g)]
      expect(examples.length, source).toBeGreaterThan(0)
      examples.forEach(([, body], i) => {
        const code = body!
          .split('\n')
          .map((line) => line.replace(/^\s*\* ?/, ''))
          .join('\n')
        files.set(join(dir, `example-${files.size}-${i}.mts`), `${prelude(code)}\n${code}\n`)
      })
    }
    const config = ts.getParsedCommandLineOfConfigFile(
      new URL('tsconfig.json', ROOT).pathname,
      {},
      { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined },
    )!
    const host = ts.createCompilerHost(config.options)
    const readFile = host.readFile.bind(host)
    const fileExists = host.fileExists.bind(host)
    host.readFile = (name) => files.get(name) ?? readFile(name)
    host.fileExists = (name) => files.has(name) || fileExists(name)
    const program = ts.createProgram([...files.keys()], { ...config.options, noEmit: true }, host)
    const problems = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file !== undefined && files.has(d.file.fileName))
      .map(
        (d) =>
          `${d.file!.fileName}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}\n${files.get(d.file!.fileName)}`,
      )
    expect(problems).toEqual([])
  }, 60_000)
})
