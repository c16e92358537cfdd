/**
 * Runs `python/peer.py` (a channels_redis peer) under Debian's Python as a
 * child process and reads its JSON lines. Every wait is bounded, and the
 * process is killed when the test ends.
 *
 * @module
 */

import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

import { onTestFinished } from 'vitest'

/** The interpreter with python3-channels-redis (the `python3` on PATH may be another one). */
export const PYTHON = process.env.INTEROP_PYTHON ?? '/usr/bin/python3'
const PEER = fileURLToPath(new URL('./python/peer.py', import.meta.url))

/**
 * Why the interop tests are skipped, or `undefined` when Python and
 * channels_redis are there. With `REQUIRE_SERVICES=1` a missing one fails.
 */
export function pythonSkipReason(): string | undefined {
  const probe = spawnSync(PYTHON, ['-c', 'import channels_redis, channels, msgpack'], { timeout: 10_000 })
  if (probe.status === 0) return undefined
  const reason = `${PYTHON} cannot import channels_redis (apt-get install python3-channels-redis)`
  if (process.env.REQUIRE_SERVICES === '1') throw new Error(`${reason}, and REQUIRE_SERVICES=1 requires it.`)
  return reason
}

/** One JSON line from the peer. */
export interface PeerLine {
  ready?: string
  message?: Record<string, unknown>
  done?: boolean
  error?: string
}

/** A running Python peer. */
export interface PythonPeer {
  /** The next line, waiting at most `timeoutMs`. */
  next(timeoutMs?: number): Promise<PeerLine>
  /** Resolves with the exit code. */
  exited: Promise<number | null>
  process: ChildProcess
}

/**
 * Starts `peer.py` with `args`; killed when the test finishes.
 *
 * @example
 * ```ts
 * const peer = startPeer(['group-send', '--layer', 'core', '--hosts', url, '--group', 'g', '--messages', '[]'])
 * expect(await peer.next()).toEqual({ done: true })
 * ```
 */
export function startPeer(args: readonly string[], timeoutSeconds = 10): PythonPeer {
  const child = spawn(PYTHON, [PEER, ...args, '--timeout', String(timeoutSeconds)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  onTestFinished(() => {
    if (child.exitCode === null) child.kill('SIGKILL')
  })
  const lines: PeerLine[] = []
  const waiters: Array<(line: PeerLine) => void> = []
  let buffered = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk
    let newline: number
    while ((newline = buffered.indexOf('\n')) !== -1) {
      const line = JSON.parse(buffered.slice(0, newline)) as PeerLine
      buffered = buffered.slice(newline + 1)
      const waiter = waiters.shift()
      if (waiter !== undefined) waiter(line)
      else lines.push(line)
    }
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return {
    process: child,
    exited,
    next(timeoutMs = timeoutSeconds * 1000) {
      const line = lines.shift()
      if (line !== undefined) return Promise.resolve(line)
      return new Promise<PeerLine>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`The Python peer sent nothing for ${timeoutMs} ms. stderr:\n${stderr}`)),
          timeoutMs,
        )
        const settle = (value: PeerLine): void => {
          clearTimeout(timer)
          resolve(value)
        }
        waiters.push(settle)
        void exited.then((code) => {
          const index = waiters.indexOf(settle)
          if (index === -1) return
          waiters.splice(index, 1)
          clearTimeout(timer)
          reject(new Error(`The Python peer exited (${code}) early. stderr:\n${stderr}`))
        })
      })
    },
  }
}

/** JSON for the peer: bytes become `{ $bytes: hex }`. */
export function toPeerJson(value: unknown): unknown {
  if (value instanceof Uint8Array) return { $bytes: Buffer.from(value).toString('hex') }
  if (Array.isArray(value)) return value.map(toPeerJson)
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, toPeerJson(inner)]))
  }
  return value
}
