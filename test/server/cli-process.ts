/**
 * The `tschannels` command run as a child process, from the sources, with
 * its output collected: what the CLI tests start.
 *
 * @module
 */

import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

import { onTestFinished } from 'vitest'

const root = fileURLToPath(new URL('../../', import.meta.url))

/** A running `tschannels` process and what it has printed so far. */
export interface Cli {
  child: ChildProcess
  stderr: () => string
  stdout: () => string
  exited: Promise<number | null>
}

/** Starts `tschannels <args>` in the repository; it is killed when the test ends. */
export function runCli(args: string[], env: Record<string, string> = {}): Cli {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    // As a user starts it from a shell: under npm (npm test) the CLI would watch for npm's exit
    // and take a repeated signal within a second for one (see process-tree.integration.test.ts).
    env: {
      ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('npm_'))),
      ...env,
    },
  })
  onTestFinished(() => void child.kill('SIGKILL'))
  let stderr = ''
  let stdout = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return { child, stderr: () => stderr, stdout: () => stdout, exited }
}
