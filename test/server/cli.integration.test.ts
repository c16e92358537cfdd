import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

import { describe, expect, it } from 'vitest'

import { runCli } from './cli-process.js'
import type { Cli } from './cli-process.js'
import { closed, openSocket } from './helpers.js'

const root = fileURLToPath(new URL('../../', import.meta.url))
const fixture = 'test/server/fixtures/app.ts'

/** Writes an application module into a fresh folder (an ES-module package) and returns its path. */
function moduleFile(name: string, source: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tschannels-cli-'))
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}')
  writeFileSync(join(dir, name), source)
  return join(dir, name)
}

async function listeningPort(cli: Cli, timeout = 20_000): Promise<number> {
  const deadline = Date.now() + timeout
  for (;;) {
    const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(cli.stderr())
    if (match) return Number(match[1])
    if (Date.now() > deadline || cli.child.exitCode !== null)
      throw new Error(`CLI did not start: ${cli.stderr()}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

// Each test starts Node with a TypeScript loader, which is slow on a busy machine.
describe('tschannels serve', { timeout: 40_000 }, () => {
  it('drains WebSockets with 1001 on SIGTERM and exits 0', async () => {
    const cli = runCli(['serve', fixture, '--port', '0', '--drain-window', '0.2', '--no-access-log'])
    const port = await listeningPort(cli)
    const sockets = await Promise.all([1, 2, 3].map(() => openSocket(`ws://127.0.0.1:${port}/`)))
    const closes = sockets.map((socket) => closed(socket))
    cli.child.kill('SIGTERM')
    for (const close of await Promise.all(closes)) expect(close.code).toBe(1001)
    expect(await cli.exited).toBe(0)
    expect(cli.stderr().match(/fixture: disconnect 1001/g)).toHaveLength(3)
  })

  it('serves the export named after #', async () => {
    const cli = runCli(['serve', `${fixture}#other`, '--port', '0'])
    const port = await listeningPort(cli)
    const reply = await fetch(`http://127.0.0.1:${port}/hello?token=s3cret`)
    expect(await reply.text()).toBe('ok')
    cli.child.kill('SIGTERM')
    expect(await cli.exited).toBe(0)
    // The access log is on by default and redacts secrets.
    expect(cli.stdout()).toMatch(/"GET \/hello\?token=REDACTED HTTP\/1\.1" 200 2/)
  })

  it('keeps the metrics port on loopback when the application listens on every interface', async () => {
    const cli = runCli(['serve', fixture, '--host', '0.0.0.0', '--port', '0', '--metrics-port', '0'])
    const deadline = Date.now() + 20_000
    while (!/listening on/.test(cli.stderr()) || !/metrics on/.test(cli.stderr())) {
      if (Date.now() > deadline || cli.child.exitCode !== null)
        throw new Error(`CLI did not start: ${cli.stderr()}`)
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
    expect(cli.stderr()).toMatch(/listening on http:\/\/0\.0\.0\.0:\d+/)
    expect(cli.stderr()).toMatch(/metrics on http:\/\/127\.0\.0\.1:\d+\/metrics/)
  })

  it('exits with 2 and one line on a bad option', async () => {
    const cli = runCli(['serve', fixture, '--bogus'])
    expect(await cli.exited).toBe(2)
    expect(cli.stderr().trim().split('\n')).toHaveLength(1)
    const bad = runCli(['serve', fixture, '--port', 'eighty'])
    expect(await bad.exited).toBe(2)
    expect(bad.stderr().trim().split('\n')).toHaveLength(1)
  })

  it('exits with 2 when the export does not exist', async () => {
    const cli = runCli(['serve', `${fixture}#missing`, '--port', '0'])
    expect(await cli.exited).toBe(2)
    expect(cli.stderr()).toContain("exported as 'missing'")
  })

  it('shows the file, line and source of a syntax error in the application module, as node does', async () => {
    const app = moduleFile('app.js', 'export const application = async () => {}\nconst broken = foo(;\n')
    const cli = runCli(['serve', app, '--port', '0'])
    expect(await cli.exited).toBe(1)
    expect(cli.stderr()).toContain('importing the application failed')
    expect(cli.stderr()).toContain(`${pathToFileURL(app).href}:2\nconst broken = foo(;`)
    expect(cli.stderr()).toContain("SyntaxError: Unexpected token ';'")
  })

  it('shows where the application module threw while it was imported', async () => {
    const app = moduleFile(
      'app.js',
      'export const application = async () => {}\nthrow new Error("no database")\n',
    )
    const cli = runCli(['serve', app, '--port', '0'])
    expect(await cli.exited).toBe(1)
    expect(cli.stderr()).toContain('Error: no database')
    expect(cli.stderr()).toContain(`${pathToFileURL(app).href}:2:7`)
  })

  it('refuses a consumer class exported without .asApp(), with the message path() gives', async () => {
    const app = moduleFile(
      'app.ts',
      `import { WebsocketConsumer } from ${JSON.stringify(join(root, 'src', 'index.ts'))}\n` +
        'export class EchoConsumer extends WebsocketConsumer {}\nexport const application = EchoConsumer\n',
    )
    const cli = runCli(['serve', app, '--port', '0'])
    expect(await cli.exited).toBe(2)
    expect(cli.stderr()).toBe(
      `tschannels: '${app}#application' is the class EchoConsumer; pass EchoConsumer.asApp() instead.\n`,
    )
  })

  it('refuses --workers over the in-memory channel layer', async () => {
    const cli = runCli(['serve', fixture, '--port', '0', '--workers', '2'])
    expect(await cli.exited).toBe(2)
    expect(cli.stderr()).toContain('in-memory')
  })

  it('runs --workers processes on one port and drains them all on SIGTERM', async () => {
    const cli = runCli([
      'serve',
      'test/server/fixtures/no-layer-app.ts',
      '--port',
      '0',
      '--workers',
      '2',
      '--no-access-log',
    ])
    const port = await listeningPort(cli, 20_000)
    // Both workers report the port; wait for the second one too.
    const deadline = Date.now() + 20_000
    while ((cli.stderr().match(/listening on/g) ?? []).length < 2 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
    const pids = new Set(Array.from(cli.stderr().matchAll(/\(pid (\d+)\)/g), (m) => m[1]))
    expect(pids.size).toBe(2)
    const socket = await openSocket(`ws://127.0.0.1:${port}/`)
    const close = closed(socket)
    cli.child.kill('SIGTERM')
    expect((await close).code).toBe(1001)
    expect(await cli.exited).toBe(0)
  })

  it('exits at once with 1 on a second signal during the drain', async () => {
    const cli = runCli([
      'serve',
      'test/server/fixtures/stubborn-app.ts',
      '--port',
      '0',
      '--drain-window',
      '0',
      '--application-close-timeout',
      '60',
    ])
    const port = await listeningPort(cli)
    const socket = await openSocket(`ws://127.0.0.1:${port}/`)
    const close = closed(socket)
    cli.child.kill('SIGTERM')
    expect((await close).code).toBe(1001)
    const started = Date.now()
    cli.child.kill('SIGTERM')
    expect(await cli.exited).toBe(1)
    expect(Date.now() - started).toBeLessThan(5000)
  })
})
