import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { fileURLToPath } from 'node:url'

import { getChannelLayer, resetChannelLayers } from 'tschannels'
import { WebsocketCommunicator } from 'tschannels/testing'
import { afterAll, describe, expect, it, onTestFinished } from 'vitest'

import { redisSkipReason } from './redis-skip-reason.js'

const skipReason = await redisSkipReason()
const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url))
const TSX = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url))

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** The two ways to run the worker: the CLI, and the example's own script around `runWorker`. */
const WORKER_COMMANDS = {
  'tschannels worker': {
    command: process.execPath,
    args: [
      '--import',
      'tsx',
      'src/cli.ts',
      'worker',
      '--app',
      'examples/worker/app.ts#application',
      'thumbnails',
    ],
    ready: 'worker consuming thumbnails',
  },
  'runWorker() in worker.ts': { command: TSX, args: [WORKER], ready: 'ready' },
} as const

/** Starts a worker as a separate process on its own key prefix; resolves once it consumes. */
async function startWorker(
  prefix: string,
  how: keyof typeof WORKER_COMMANDS,
): Promise<() => Promise<number | null>> {
  const { command, args, ready } = WORKER_COMMANDS[how]
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, THUMBNAILS_PREFIX: prefix },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  onTestFinished(() => {
    if (child.exitCode === null) child.kill('SIGKILL')
  })
  let output = ''
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`The worker did not start within 15 s: ${output}`)),
      15_000,
    )
    const watch = (text: string): void => {
      output += text
      if (output.includes(ready)) {
        clearTimeout(timer)
        resolve()
      }
    }
    child.stdout.setEncoding('utf8').on('data', watch)
    child.stderr.setEncoding('utf8').on('data', watch)
  })
  return async () => {
    child.kill('SIGTERM')
    return exited
  }
}

// The example configures its layer when it is imported, once for the file.
const PREFIX = `thumbs${randomUUID().slice(0, 8)}`
afterAll(() => resetChannelLayers())

describe.skipIf(skipReason !== undefined)('worker example across two processes', () => {
  it.each(Object.keys(WORKER_COMMANDS) as Array<keyof typeof WORKER_COMMANDS>)(
    'a web consumer sends a thumbnails job and gets the answer from a worker process (%s)',
    { timeout: 40_000 },
    async (how) => {
      process.env.THUMBNAILS_PREFIX = PREFIX
      const { application } = await import('./app.js')
      const stopWorker = await startWorker(PREFIX, how)

      const communicator = new WebsocketCommunicator(application, '/ws/thumbnails/')
      const { connected } = await communicator.connect()
      expect(connected).toBe(true)
      await communicator.sendJsonTo({ image: 'cat.png', size: 32 })
      const reply = (await communicator.receiveJsonFrom(10_000)) as Record<string, unknown>
      expect(reply).toMatchObject({ image: 'cat.png', size: 32 })
      expect(reply.thumbnail).toMatch(/^[0-9a-f]{16}$/)
      // The work happened in the other process.
      expect(reply.worker).not.toBe(process.pid)
      await communicator.disconnect()

      expect(await stopWorker()).toBe(0)
      await getChannelLayer()?.flush()
    },
  )
})

if (skipReason !== undefined) describe.skip(`worker example (skipped: ${skipReason})`, () => {})
