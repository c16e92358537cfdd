/**
 * A Django 4.2 process for a test file (`python/djpeer.py` under Debian's
 * Python), started once per file and driven by JSON lines: it creates users,
 * logs them in, issues tokens, signs values and reads back what tschannels
 * wrote. Under REQUIRE_SERVICES=1 a missing Django fails instead of skipping.
 *
 * @module
 */

import { spawn, spawnSync } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

import { PYTHON } from '../interop/python-peer.js'

const PEER = fileURLToPath(new URL('./python/djpeer.py', import.meta.url))

/** Why the Django tests are skipped, or `undefined`; throws under REQUIRE_SERVICES=1. */
export function djangoSkipReason(): string | undefined {
  const probe = spawnSync(
    PYTHON,
    [
      '-c',
      'import django, rest_framework, rest_framework_simplejwt, argon2, bcrypt, psycopg2, MySQLdb; assert django.VERSION[:2] == (4, 2)',
    ],
    { timeout: 20_000 },
  )
  if (probe.status === 0) return undefined
  const reason =
    `${PYTHON} lacks Django 4.2 or one of its packages (apt-get install -t bookworm-backports python3-django; ` +
    `python3-djangorestframework python3-djangorestframework-simplejwt python3-argon2 python3-bcrypt python3-psycopg2 python3-mysqldb)`
  if (process.env.REQUIRE_SERVICES === '1') throw new Error(`${reason}, and REQUIRE_SERVICES=1 requires it.`)
  return reason
}

/** The settings the Django process starts with. */
export interface DjangoPeerConfig {
  secret_key: string
  database: string
  fallbacks?: string[]
  session_engine?: string
  hashers?: string[]
  user_model?: string
}

/** A running Django process. */
export interface DjangoPeer {
  /** Runs one command of `djpeer.py` and resolves with its result; rejects with Django's error. */
  call<T = unknown>(cmd: string, args?: Record<string, unknown>): Promise<T>
  /** Ends the process. */
  close(): Promise<void>
}

/**
 * Starts Django with `config` and waits until it is ready.
 *
 * @example
 * ```ts
 * const django = await startDjango({ secret_key, database: 'sqlite:///tmp/db.sqlite3' })
 * await django.call('migrate')
 * ```
 */
export async function startDjango(config: DjangoPeerConfig, timeoutMs = 60_000): Promise<DjangoPeer> {
  const child: ChildProcess = spawn(PYTHON, [PEER, JSON.stringify(config)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  const pending = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }
  >()
  let stderr = ''
  let buffered = ''
  let nextId = 1
  let onReady: (() => void) | undefined
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-20_000)))
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk
    let newline: number
    while ((newline = buffered.indexOf('\n')) !== -1) {
      const line = JSON.parse(buffered.slice(0, newline)) as {
        id?: number
        ready?: boolean
        result?: unknown
        error?: string
        trace?: string
      }
      buffered = buffered.slice(newline + 1)
      if (line.ready === true) onReady?.()
      const waiter = line.id === undefined ? undefined : pending.get(line.id)
      if (waiter === undefined) continue
      pending.delete(line.id!)
      clearTimeout(waiter.timer)
      if (line.error !== undefined) waiter.reject(new Error(`Django: ${line.error}\n${line.trace ?? ''}`))
      else waiter.resolve(line.result)
    }
  })
  void exited.then((code) => {
    for (const waiter of pending.values()) {
      clearTimeout(waiter.timer)
      waiter.reject(new Error(`Django exited (${code}). stderr:\n${stderr}`))
    }
    pending.clear()
  })
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`Django did not start in ${timeoutMs} ms:\n${stderr}`)),
      timeoutMs,
    )
    onReady = () => {
      clearTimeout(timer)
      resolve()
    }
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`Django exited (${code}) while starting:\n${stderr}`))
    })
  })
  return {
    call<T>(cmd: string, args: Record<string, unknown> = {}): Promise<T> {
      const id = nextId++
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id)
          reject(new Error(`Django did not answer '${cmd}' in ${timeoutMs} ms:\n${stderr}`))
        }, timeoutMs)
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer })
        child.stdin!.write(`${JSON.stringify({ id, cmd, args })}\n`)
      })
    },
    async close() {
      if (child.exitCode !== null) return
      child.stdin!.end()
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
      await exited
      clearTimeout(timer)
    },
  }
}
