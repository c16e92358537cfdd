/**
 * `--workers N`: N server processes sharing one port through `node:cluster`.
 * The primary only supervises: it forks the workers, restarts one that
 * crashes, and turns SIGTERM/SIGINT into a drain message to every worker (a
 * second signal into an immediate exit). Workers ignore signals themselves,
 * so a Ctrl-C that reaches the whole process group is not counted twice.
 *
 * Groups only span processes through a shared channel layer, so the primary
 * refuses to start workers over the in-memory layer.
 *
 * @module
 */

import cluster from 'node:cluster'
import type { Worker } from 'node:cluster'

import { getChannelLayer, resetChannelLayers } from '../layers/registry.js'
import { InMemoryChannelLayer } from '../layers/memory.js'

const SHUTDOWN = 'tschannels:shutdown'
const FORCE = 'tschannels:force'
const MAX_RAPID_FAILURES = 5
const RAPID_MS = 2_000

/**
 * Why `--workers` cannot run with the configured layers, or `null`. Call it
 * after the application module was imported, since that is where
 * `configureChannelLayers()` runs.
 */
export async function checkLayerForWorkers(): Promise<string | null> {
  const layer = getChannelLayer()
  const inMemory = layer instanceof InMemoryChannelLayer
  // The primary never serves: release whatever the check built.
  await resetChannelLayers()
  if (!inMemory) return null
  return inMemoryLayerRefusal(
    'The default channel layer is in-memory, so each worker would have its own groups and a ' +
      'group_send in one process would never reach consumers in another.',
    'or run without --workers',
  )
}

/**
 * Why a layer that lives in one process cannot serve several: `why` is the
 * consequence for the command at hand, `otherwise` its way out.
 * @internal
 */
export function inMemoryLayerRefusal(why: string, otherwise: string): string {
  return (
    `${why} Configure a shared layer in the module, e.g. ` +
    "configureChannelLayers({ default: { backend: 'redis', options: { hosts: ['redis://localhost:6379'] } } }) " +
    `after importing 'tschannels/layers/redis', ${otherwise}.`
  )
}

/** A running primary. @internal */
export interface Primary {
  /** Resolves with the exit code once every worker has gone. */
  readonly exited: Promise<number>
  /** Drains every worker as SIGTERM would (`why` is logged); never counts as a second signal. */
  drain(why: string): void
}

/**
 * Runs the primary: forks `count` workers and supervises them. A repeat of
 * the first signal within `repeatWindowMs` is the same request delivered
 * twice (see `SignalOptions.repeatWindowMs`). @internal
 */
export function runPrimary(count: number, log: (line: string) => void, repeatWindowMs = 0): Primary {
  let drain: (why: string) => void = () => {}
  let since = 0
  const exited = new Promise<number>((resolve) => {
    let stopping = false
    let rapidFailures = 0
    const started = new Map<Worker, number>()
    const fork = (): void => {
      const worker = cluster.fork()
      started.set(worker, Date.now())
    }
    cluster.on('exit', (worker, code, signal) => {
      const lived = Date.now() - (started.get(worker) ?? 0)
      started.delete(worker)
      if (stopping) {
        if (started.size === 0) resolve(0)
        return
      }
      log(`Worker ${worker.process.pid} exited (${signal ?? code}); starting another.`)
      rapidFailures = lived < RAPID_MS ? rapidFailures + 1 : 0
      if (rapidFailures >= MAX_RAPID_FAILURES) {
        log(`Workers keep failing at start-up; giving up.`)
        stopping = true
        for (const other of started.keys()) other.kill()
        if (started.size === 0) resolve(1)
        return
      }
      fork()
    })
    const startDrain = (why: string): void => {
      stopping = true
      since = performance.now()
      log(`${why}; draining ${started.size} worker(s) (send SIGTERM or SIGINT again to exit at once).`)
      for (const worker of started.keys()) worker.send(SHUTDOWN)
      if (started.size === 0) resolve(0)
    }
    const onSignal = (signal: NodeJS.Signals): void => {
      if (!stopping) return startDrain(`Received ${signal}`)
      if (performance.now() - since < repeatWindowMs) return
      log(`Received ${signal} again; stopping workers at once.`)
      for (const worker of started.keys()) worker.send(FORCE)
      resolve(1)
    }
    drain = (why) => {
      if (!stopping) startDrain(why)
    }
    process.on('SIGTERM', onSignal)
    process.on('SIGINT', onSignal)
    for (let i = 0; i < count; i++) fork()
  })
  return { exited, drain: (why) => drain(why) }
}

/**
 * In a worker: drains on the primary's shutdown message, exits on its force
 * message, and ignores signals (the primary decides). @internal
 */
export function superviseWorker(close: () => Promise<void>, exit: (code: number) => void): void {
  const ignore = (): void => {}
  process.on('SIGTERM', ignore)
  process.on('SIGINT', ignore)
  process.on('message', (message) => {
    if (message === SHUTDOWN)
      void close().then(
        () => exit(0),
        () => exit(1),
      )
    else if (message === FORCE) exit(1)
  })
}

/** True in a process forked by `runPrimary()`. @internal */
export function isClusterWorker(): boolean {
  return cluster.isWorker
}
