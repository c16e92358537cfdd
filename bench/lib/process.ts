/**
 * Server processes for the benchmarks: start one pinned to a CPU with
 * `taskset`, wait for the line that gives its port, read its CPU time and
 * resident memory from `/proc/<pid>/*`, and kill it. Linux only.
 *
 * @module
 */

import { execFileSync, spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'

/** The repository root: every server starts there. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** Clock ticks per second, the unit of utime and stime in /proc/<pid>/stat. */
export const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100

/** The line `tschannels serve` (and the bench's own Node peers) print once listening. */
export const NODE_READY = /listening on http:\/\/127\.0\.0\.1:(\d+) \(pid (\d+)\)/

/** How to start one server. */
export interface ServerSpec {
  command: string
  args: readonly string[]
  env?: Readonly<Record<string, string>>
  /** Matches the line that says the server listens; group 1 is the port, group 2 (if any) the pid. */
  ready: RegExp
  /** Raise the open-file limit (`ulimit -n`) to this before starting, for many connections. */
  nofile?: number
}

/** A started server. */
export interface RunningServer {
  port: number
  pid: number
  /** utime + stime so far, in microseconds. */
  cpuUs(): number
  /** Resident set size, in bytes. */
  rssBytes(): number
  /** Kills the process (SIGKILL: nothing of it is measured after) and waits for it to go. */
  stop(): Promise<void>
}

/** CPUs for the servers and for the load generator, or null when `taskset` or a second CPU is missing. */
export const PIN: { server: string; load: string } | null = pinning()

/** Moves this process (the load generator) to its CPU. */
export function pinSelf(): void {
  if (PIN) execFileSync('taskset', ['-cp', PIN.load, String(process.pid)], { stdio: 'ignore' })
}

/** Starts `spec` on the server CPU and resolves once it listens. */
export async function startServer(spec: ServerSpec, timeoutMs = 30_000): Promise<RunningServer> {
  // `exec` keeps the pid: the shell that raised the limit becomes the server.
  const argv =
    spec.nofile !== undefined
      ? ['sh', '-c', `ulimit -n ${spec.nofile} && exec "$0" "$@"`, spec.command, ...spec.args]
      : [spec.command, ...spec.args]
  const args = PIN ? ['-c', PIN.server, ...argv] : argv.slice(1)
  const command = PIN ? 'taskset' : argv[0]!
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, ...spec.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  // Servers may log; a pipe nobody reads would fill and block them.
  child.stdout.resume()
  try {
    const { port, pid } = await listening(child, spec.ready, timeoutMs)
    return {
      port,
      pid,
      cpuUs: () => cpuUs(pid),
      rssBytes: () => rssBytes(pid),
      stop: () => kill(child),
    }
  } catch (error) {
    await kill(child)
    throw error
  }
}

/** This process's open-file limit (`ulimit -n`), which the load generator's connections count against. */
export function fileLimit(): number {
  return Number(execFileSync('sh', ['-c', 'ulimit -n']).toString().trim()) || 1024
}

/** utime + stime of a process, in microseconds. */
export function cpuUs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // Fields after the command name (which may contain spaces) start after ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return ((Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND) * 1e6
}

/** Resident set size of a process, in bytes (VmRSS). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const match = /VmRSS:\s+(\d+) kB/.exec(status)
  return match ? Number(match[1]) * 1024 : 0
}

function listening(
  child: ChildProcess,
  ready: RegExp,
  timeoutMs: number,
): Promise<{ port: number; pid: number }> {
  return new Promise((resolve, reject) => {
    let text = ''
    const timer = setTimeout(() => reject(new Error(`server did not start: ${text.slice(-2000)}`)), timeoutMs)
    const onData = (chunk: Buffer): void => {
      text += chunk.toString()
      const match = ready.exec(text)
      if (match) {
        clearTimeout(timer)
        // Keep draining stderr so a chatty server never blocks on a full pipe.
        resolve({ port: Number(match[1]), pid: match[2] ? Number(match[2]) : child.pid! })
      }
    }
    child.stderr!.on('data', onData)
    child.stdout!.on('data', onData)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`server exited with ${code}: ${text.slice(-2000)}`))
    })
  })
}

function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    child.once('exit', () => resolve())
    child.kill('SIGKILL')
  })
}

function pinning(): { server: string; load: string } | null {
  if (availableParallelism() < 2 || !existsSync('/proc/self/stat')) return null
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' })
    return { server: '0', load: '1' }
  } catch {
    return null
  }
}
