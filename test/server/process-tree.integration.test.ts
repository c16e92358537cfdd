/**
 * Every way the README starts a server (`npm start`, `npx tschannels serve`,
 * with `--workers`) stops, draining, when SIGTERM or SIGINT reaches the
 * process the user started, which is npm, not the server below it. Each test
 * runs the real process tree: npm, the shell npm runs scripts in, and Node.
 */

import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

import { describe, expect, it, onTestFinished } from 'vitest'

import { closed, openSocket } from './helpers.js'

const root = fileURLToPath(new URL('../../', import.meta.url))

interface Tree {
  /** The process the user started (npm). */
  child: ChildProcess
  output: () => string
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  /**
   * Resolves once every process holding the output pipes has closed them,
   * and all they wrote has been read: a process can be gone before its
   * last lines reach this one.
   */
  outputClosed: Promise<void>
}

/** Starts `command` in a process group of its own, which is killed whatever happens when the test ends. */
function start(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Tree {
  const child = spawn(command, args, {
    cwd,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...withoutNpmVariables(process.env), ...env },
  })
  onTestFinished(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL')
    } catch {
      // The whole group is already gone.
    }
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  )
  const outputClosed = new Promise<void>((resolve) => child.once('close', () => resolve()))
  return { child, output: () => output, exited, outputClosed }
}

/** Resolves with the port and pids of the servers once `count` of them listen. */
async function listening(tree: Tree, count = 1, timeout = 90_000): Promise<{ port: number; pids: number[] }> {
  const deadline = Date.now() + timeout
  for (;;) {
    const matches = [...tree.output().matchAll(/listening on http:\/\/127\.0\.0\.1:(\d+) \(pid (\d+)\)/g)]
    if (matches.length >= count)
      return { port: Number(matches[0]![1]), pids: matches.map((m) => Number(m[2])) }
    if (Date.now() > deadline || tree.child.exitCode !== null) {
      throw new Error(`the server did not start:\n${tree.output()}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** Resolves once no process of `pids` is left. */
async function gone(pids: number[], timeout = 30_000): Promise<void> {
  const deadline = Date.now() + timeout
  while (pids.some(alive)) {
    if (Date.now() > deadline) throw new Error(`still running: ${pids.filter(alive).join(', ')}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** A project that installed tschannels: its bin runs the sources (through tsx) as the built CLI would. */
function projectWithTschannels(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tschannels-npx-'))
  const pkg = join(dir, 'node_modules', 'tschannels')
  mkdirSync(pkg, { recursive: true })
  mkdirSync(join(dir, 'node_modules', '.bin'))
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }))
  writeFileSync(
    join(pkg, 'package.json'),
    JSON.stringify({ name: 'tschannels', type: 'module', bin: { tschannels: 'cli.js' } }),
  )
  const tsx = join(root, 'node_modules', 'tsx', 'dist', 'esm', 'api', 'index.mjs')
  writeFileSync(
    join(pkg, 'cli.js'),
    `#!/usr/bin/env node\nimport { register } from ${JSON.stringify(tsx)}\nregister()\n` +
      `await import(${JSON.stringify(join(root, 'src', 'cli.ts'))})\n`,
    { mode: 0o755 },
  )
  symlinkSync('../tschannels/cli.js', join(dir, 'node_modules', '.bin', 'tschannels'))
  return dir
}

const fixture = (name: string): string => join(root, 'test', 'server', 'fixtures', name)

function withoutNpmVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('npm_')))
}

describe('stopping the process the user started', { timeout: 180_000 }, () => {
  it('npm start: SIGTERM to npm drains the server and leaves no process behind', async () => {
    const data = mkdtempSync(join(tmpdir(), 'tschannels-start-'))
    const tree = start('npm', ['start', '--', '--port', '0', '--drain-window', '0.2'], root, {
      DATA_DIR: data,
    })
    const { port, pids } = await listening(tree)
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200)
    tree.child.kill('SIGTERM')
    await gone(pids)
    await tree.outputClosed
    expect(tree.output()).toContain('Received SIGTERM; draining connections')
    expect(tree.output()).not.toContain('exiting without waiting')
    // npm waited for the server it started.
    expect(await tree.exited).toMatchObject({ code: 0 })
  })

  it('npm start: a Ctrl-C to the whole process group drains once, not as a second signal', async () => {
    const data = mkdtempSync(join(tmpdir(), 'tschannels-start-'))
    const tree = start('npm', ['start', '--', '--port', '0', '--drain-window', '0.2'], root, {
      DATA_DIR: data,
    })
    const { pids } = await listening(tree)
    // What a terminal does on Ctrl-C: npm gets it, forwards it, and the server gets it directly too.
    process.kill(-tree.child.pid!, 'SIGINT')
    await gone(pids)
    await tree.outputClosed
    expect(tree.output()).toContain('Received SIGINT; draining connections')
    expect(tree.output()).not.toContain('exiting without waiting')
  })

  it('npx tschannels serve: SIGTERM to npx closes WebSockets with 1001 and stops the server', async () => {
    const tree = start(
      'npx',
      ['tschannels', 'serve', fixture('app.ts'), '--port', '0', '--drain-window', '0.2', '--no-access-log'],
      projectWithTschannels(),
    )
    const { port, pids } = await listening(tree)
    const socket = await openSocket(`ws://127.0.0.1:${port}/`)
    const close = closed(socket)
    tree.child.kill('SIGTERM')
    expect((await close).code).toBe(1001)
    await gone(pids)
    await tree.outputClosed
    expect(tree.output()).toContain('fixture: disconnect 1001')
  })

  it('npx tschannels serve --workers 2: SIGTERM to npx drains every worker with 1001', async () => {
    const tree = start(
      'npx',
      ['tschannels', 'serve', fixture('no-layer-app.ts'), '--port', '0', '--workers', '2', '--no-access-log'],
      projectWithTschannels(),
    )
    const { port, pids } = await listening(tree, 2)
    const primary = Number(/starting 2 workers; primary pid (\d+)/.exec(tree.output())![1])
    const socket = await openSocket(`ws://127.0.0.1:${port}/`)
    const close = closed(socket)
    tree.child.kill('SIGTERM')
    expect((await close).code).toBe(1001)
    await gone([primary, ...pids])
  })
})
