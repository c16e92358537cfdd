/**
 * Private `redis-server` processes for tests that need servers of their
 * own: ones they stop and restart, several shards, a replica, a Sentinel.
 * Each runs on a free port without persistence, so a restart forgets
 * everything, as a production Redis without persistence does.
 *
 * @module
 */

import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { Redis } from 'ioredis'

const START_TIMEOUT_MS = 10_000

/** Why the tests that start their own servers cannot run, or `undefined`. */
export function redisServerSkipReason(): string | undefined {
  const probe = spawnSync('redis-server', ['--version'], { timeout: 5000 })
  if (probe.status === 0) return undefined
  return skip('redis-server is not installed')
}

/**
 * Why the Sentinel tests cannot run, or `undefined`: `redis-server
 * --sentinel` must start and answer (some builds leave Sentinel out).
 */
export async function sentinelSkipReason(): Promise<string | undefined> {
  const server = redisServerSkipReason()
  if (server !== undefined) return server
  try {
    // Monitoring a port where nothing listens is enough to see Sentinel start.
    const sentinel = await PrivateSentinel.start({ masterName: 'probe', masterPort: await freePort() })
    await sentinel.kill()
    return undefined
  } catch (error) {
    return skip(`redis-server --sentinel does not start (${(error as Error).message})`)
  }
}

function skip(reason: string): string {
  if (process.env.REQUIRE_SERVICES === '1') throw new Error(`${reason}, and REQUIRE_SERVICES=1 requires it.`)
  return reason
}

/** A redis-server process that can be killed and started again on the same port. */
export class PrivateRedis {
  readonly port: number
  readonly #args: readonly string[]
  #process: ChildProcess | undefined

  private constructor(port: number, args: readonly string[]) {
    this.port = port
    this.#args = args
  }

  /**
   * Starts a server on a free port and waits until it answers.
   *
   * @param options.replicaOf - The port of a master on 127.0.0.1 to replicate.
   */
  static async start(options: { replicaOf?: number } = {}): Promise<PrivateRedis> {
    // A replica loads its first sync straight from the socket, or it would write dump.rdb where the tests run.
    const args =
      options.replicaOf === undefined
        ? []
        : ['--replicaof', '127.0.0.1', String(options.replicaOf), '--repl-diskless-load', 'on-empty-db']
    return onFreePort(async (port) => {
      const server = new PrivateRedis(port, args)
      await server.start()
      return server
    })
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`
  }

  /** Starts (again) and waits until it answers PING. */
  async start(): Promise<void> {
    this.#process = spawnServer([
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      // A replica would otherwise wait five seconds for its first sync.
      '--repl-diskless-sync-delay',
      '0',
      ...this.#args,
    ])
    await untilAnswering(this.#process, this.port, 'redis-server')
  }

  /** Kills the server at once (no shutdown save) and waits for it to exit. */
  async kill(): Promise<void> {
    await killChild(this.#process)
  }
}

/** What a Sentinel watches. */
export interface SentinelOptions {
  /** The name the Sentinel gives the master (`masterName` in the layer options). */
  masterName: string
  /** The master's port on 127.0.0.1. */
  masterPort: number
  /** How long the master must be silent to count as down. @default 500 */
  downAfterMs?: number
}

/**
 * A Sentinel (`redis-server <config> --sentinel`) with quorum 1, so that it
 * alone can fail the master over. Sentinel rewrites its config file, so each
 * one gets a file in a temporary directory of its own, removed by `kill()`.
 */
export class PrivateSentinel {
  readonly port: number
  readonly masterName: string
  readonly #process: ChildProcess
  readonly #dir: string

  private constructor(port: number, masterName: string, child: ChildProcess, dir: string) {
    this.port = port
    this.masterName = masterName
    this.#process = child
    this.#dir = dir
  }

  static async start(options: SentinelOptions): Promise<PrivateSentinel> {
    return onFreePort((port) => PrivateSentinel.#startOn(port, options))
  }

  static async #startOn(port: number, options: SentinelOptions): Promise<PrivateSentinel> {
    const { masterName, masterPort, downAfterMs = 500 } = options
    const dir = mkdtempSync(join(tmpdir(), 'tschannels-sentinel-'))
    const config = join(dir, 'sentinel.conf')
    writeFileSync(
      config,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${masterName} 127.0.0.1 ${masterPort} 1`,
        `sentinel down-after-milliseconds ${masterName} ${downAfterMs}`,
        `sentinel failover-timeout ${masterName} 5000`,
        '',
      ].join('\n'),
    )
    const child = spawnServer([config, '--sentinel'])
    const sentinel = new PrivateSentinel(port, masterName, child, dir)
    try {
      await untilAnswering(child, port, 'redis-server --sentinel')
    } catch (error) {
      // Its process has ended by now; its directory has to go too.
      await sentinel.kill()
      throw error
    }
    return sentinel
  }

  /** A client for SENTINEL commands; the caller disconnects it. */
  client(): Redis {
    return new Redis({ host: '127.0.0.1', port: this.port, maxRetriesPerRequest: 1 })
  }

  /** Kills the Sentinel, waits for it to exit and removes its directory. */
  async kill(): Promise<void> {
    await killChild(this.#process)
    rmSync(this.#dir, { recursive: true, force: true })
  }
}

function spawnServer(args: readonly string[]): ChildProcess {
  const child = spawn('redis-server', args, { stdio: 'ignore' })
  // A spawn failure is reported by the wait for the port; without a listener it would crash the run.
  child.on('error', () => undefined)
  return child
}

/** The server ended before it answered: most likely another process took the port meanwhile. */
class ExitedEarly extends Error {}

/**
 * Runs `launch` on a free port, again on another one when the server exits
 * at once: between finding a port free and the server binding it, a server
 * of a test file running in parallel may take it.
 */
async function onFreePort<T>(launch: (port: number) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await launch(await freePort())
    } catch (error) {
      if (!(error instanceof ExitedEarly) || attempt === 3) throw error
    }
  }
}

/** Waits until the process on `port` answers PING; kills it when it does not in time. */
async function untilAnswering(child: ChildProcess, port: number, what: string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS
  for (;;) {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null)
      throw new ExitedEarly(`${what} exited (${child.exitCode ?? child.signalCode}) on port ${port}`)
    const client = new Redis({
      host: '127.0.0.1',
      port,
      lazyConnect: true,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
    })
    client.on('error', () => undefined)
    try {
      await client.connect()
      await client.ping()
      return
    } catch {
      if (Date.now() > deadline) {
        await killChild(child)
        throw new Error(`${what} did not answer on port ${port} within ${START_TIMEOUT_MS} ms`)
      }
      await new Promise((resolve) => setTimeout(resolve, 50))
    } finally {
      client.disconnect()
    }
  }
}

async function killChild(child: ChildProcess | undefined): Promise<void> {
  if (child?.pid === undefined || child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGKILL')
  await exited
}

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0))
    })
  })
}

/** Polls `check` until it is true, failing after `timeoutMs`. */
export async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
