/**
 * `tschannels worker` as an operator runs it: it refuses what it cannot
 * consume at start-up, backs off instead of spinning on a broken consumer,
 * and SIGTERM/SIGINT stop it, within `--shutdown-timeout` even when Redis
 * has gone away; a second signal stops it at once.
 */

import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

import { describe, expect, it, onTestFinished } from 'vitest'

import { PrivateRedis, redisServerSkipReason } from '../layers/redis/redis-server.js'

const root = fileURLToPath(new URL('../../', import.meta.url))
const fixture = (name: string): string => `test/worker/fixtures/${name}`

interface Worker {
  child: ChildProcess
  stderr: () => string
  exited: Promise<{ code: number | null; at: number }>
}

function runWorkerCli(args: string[], env: NodeJS.ProcessEnv = {}): Worker {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'worker', ...args], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'pipe'],
    // As an operator starts it from a shell, not under npm.
    env: {
      ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('npm_'))),
      ...env,
    },
  })
  onTestFinished(() => void child.kill('SIGKILL'))
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<{ code: number | null; at: number }>((resolve) =>
    child.once('exit', (code) => resolve({ code, at: Date.now() })),
  )
  return { child, stderr: () => stderr, exited }
}

/** Resolves once the worker's stderr contains `text`. */
async function printed(worker: Worker, text: string, timeout = 30_000): Promise<void> {
  const deadline = Date.now() + timeout
  while (!worker.stderr().includes(text)) {
    if (Date.now() > deadline || worker.child.exitCode !== null) {
      throw new Error(`expected '${text}' from the worker, got:\n${worker.stderr()}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

const privateRedisSkip = redisServerSkipReason()

// Each test starts Node with a TypeScript loader, which is slow on a busy machine.
describe('tschannels worker', { timeout: 60_000 }, () => {
  it('refuses at start-up a channel the application does not route, in one line', async () => {
    const worker = runWorkerCli(['--app', fixture('unrouted.ts'), 'emails', 'thumbnails'])
    expect((await worker.exited).code).toBe(2)
    expect(worker.stderr().trim().split('\n')).toEqual([
      "tschannels: The application does not route the channel 'thumbnails', so a worker cannot consume it: " +
        "No application for channel 'thumbnails'; known channels: 'emails'. Route it with " +
        "ProtocolTypeRouter({ channel: ChannelNameRouter({ 'thumbnails': MyConsumer.asApp() }) }), " +
        "or leave 'thumbnails' off the command line.",
    ])
  })

  it('refuses at start-up an application with no channel entry', async () => {
    const worker = runWorkerCli(['--app', `${fixture('unrouted.ts')}#websocketOnly`, 'thumbnails'])
    expect((await worker.exited).code).toBe(2)
    expect(worker.stderr()).toContain("No application configured for scope type 'channel'")
  })

  it('refuses the in-memory layer with the explanation serve --workers gives', async () => {
    const worker = runWorkerCli(['--app', fixture('in-memory.ts'), 'jobs'])
    expect((await worker.exited).code).toBe(2)
    expect(worker.stderr()).toContain("The channel layer 'default' is in-memory")
    expect(worker.stderr()).toContain(
      "Configure a shared layer in the module, e.g. configureChannelLayers({ default: { backend: 'redis'",
    )
  })

  it('backs off between restarts of a broken application, logging once per pause, and stops on SIGTERM', async () => {
    const worker = runWorkerCli(['--app', fixture('crashing.ts'), 'jobs'])
    await printed(worker, 'restarting it in 400 ms')
    const failures = (): number => (worker.stderr().match(/fixture: the consumer is broken/g) ?? []).length
    expect(worker.stderr()).toContain('restarting it in 100 ms')
    expect(worker.stderr()).toContain('restarting it in 200 ms')
    worker.child.kill('SIGTERM')
    expect((await worker.exited).code).toBe(0)
    // One entry per pause: 100 + 200 + 400 ms of pauses cannot hold more than a handful.
    expect(failures()).toBeLessThan(8)
  })

  it('exits at once on a second signal while an application will not stop', async () => {
    const worker = runWorkerCli(['--app', fixture('stuck.ts'), '--shutdown-timeout', '600', 'jobs'])
    await printed(worker, 'fixture: stuck')
    worker.child.kill('SIGINT')
    await printed(worker, 'Received SIGINT; finishing the messages in hand')
    const second = Date.now()
    worker.child.kill('SIGINT')
    const { code, at } = await worker.exited
    expect(code).toBe(130)
    expect(at - second).toBeLessThan(5_000)
  })

  it.skipIf(privateRedisSkip !== undefined)(
    'stops on SIGTERM within --shutdown-timeout while Redis is unreachable',
    async () => {
      const redis = await PrivateRedis.start()
      onTestFinished(() => redis.kill())
      const worker = runWorkerCli(['--app', fixture('consuming.ts'), '--shutdown-timeout', '2', 'jobs'], {
        WORKER_REDIS_URL: redis.url,
      })
      await printed(worker, 'worker consuming jobs')
      await redis.kill()
      const signalled = Date.now()
      worker.child.kill('SIGTERM')
      const { code, at } = await worker.exited
      expect(code).toBe(0)
      // The shutdown timeout, plus slack for a loaded machine; not Redis's reconnect schedule.
      expect(at - signalled).toBeLessThan(2_000 + 5_000)
    },
  )
})
