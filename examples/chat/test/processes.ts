/**
 * Runs the chat as a separate process, exactly as `npm start` does
 * (`tschannels serve examples/chat/app.ts`), for the multi-process tests.
 *
 * @module
 */

import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))

/** A chat server process. */
export interface ChatProcess {
  child: ChildProcess
  base: string
  wsBase: string
  origin: string
  /** Everything it wrote to stderr, for failure messages. */
  log(): string
  /** SIGTERM, then SIGKILL if it has not exited within 5 s. */
  stop(): Promise<void>
}

/** Starts `tschannels serve examples/chat/app.ts --port 0` with `env` and waits until it listens. */
export async function spawnChat(env: Record<string, string>): Promise<ChatProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli.ts', 'serve', 'examples/chat/app.ts', '--port', '0', '--no-access-log'],
    { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] },
  )
  let stderr = ''
  child.stderr.setEncoding('utf8')
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`chat did not start within 20 s:\n${stderr}`)), 20_000)
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(stderr)
      if (match !== null) {
        clearTimeout(timer)
        resolve(Number(match[1]))
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`chat exited with ${code}:\n${stderr}`))
    })
  })
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve()
    else child.once('exit', () => resolve())
  })
  return {
    child,
    base: `http://127.0.0.1:${port}`,
    wsBase: `ws://127.0.0.1:${port}`,
    origin: `http://127.0.0.1:${port}`,
    log: () => stderr,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
      await exited
      clearTimeout(timer)
    },
  }
}
