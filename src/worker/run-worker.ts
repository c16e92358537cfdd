/**
 * `runWorker`: consumes named channels of the channel layer through an
 * application, as Channels' `runworker` does: one application instance per
 * channel, living as long as the worker, whose `receive()` yields the
 * channel's messages one at a time, under a `{ type: 'channel', channel }`
 * scope. Several worker processes on one Redis share each channel's queue,
 * so every message is handled once.
 *
 * An application that does not route a channel is refused at start-up; one
 * that fails is restarted after a pause that doubles with each failure in a
 * row (up to a cap), so a broken consumer costs one log entry per pause
 * rather than a tight loop that starves the process of its signals.
 *
 * @module
 */

import {
  ImproperlyConfigured,
  InvalidEvent,
  ReceiveCancelled,
  RouteNotFound,
  StopConsumer,
  UnknownScopeType,
} from '../errors.js'
import type { ChannelLayer } from '../layers/channel-layer.js'
import { requireValidChannelName } from '../layers/layer-checks.js'
import { getChannelLayer } from '../layers/registry.js'
import type { Application, ChannelScope, Message } from '../types.js'

/** Options of `runWorker`. */
export interface RunWorkerOptions {
  /** The layer to consume from. @default getChannelLayer(channelLayerAlias) */
  layer?: ChannelLayer
  /** The layer alias used when `layer` is not given. @default 'default' */
  channelLayerAlias?: string
  /** Aborting it stops the worker gracefully: no new message is taken, the one in hand is finished. @default undefined */
  signal?: AbortSignal
  /** Stop gracefully on SIGTERM and SIGINT (a second signal exits at once). @default false */
  handleSignals?: boolean
  /** Seconds a stopping worker waits for the messages in hand before it returns anyway. @default 30 */
  shutdownTimeout?: number
  /**
   * Called when an application instance fails (or returns); it is restarted
   * for the next message after `restartDelay`. @default logs the error and the delay to stderr
   */
  onError?: (error: unknown, channel: string, restartInMs: number) => void
  /** Called once every channel's application runs and waits for messages. @default undefined */
  onReady?: () => void
  /**
   * The pause before restarting a failed instance: `initialMs` after the first
   * failure, doubling with each failure in a row up to `maxMs`; an instance
   * that took a message before failing starts the series again.
   * @default { initialMs: 100, maxMs: 30000 }
   */
  restartDelay?: { initialMs?: number; maxMs?: number }
  /**
   * How the worker waits out a restart delay: resolves after `ms`, or as soon
   * as `signal` aborts. Tests pass one that needs no clock.
   * @default a timer
   */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>
}

/**
 * Runs `application` for the messages of `channels` until stopped (by
 * `options.signal`, or SIGTERM/SIGINT with `handleSignals`). Usually the
 * application is a `ProtocolTypeRouter` with a `channel` entry holding a
 * `ChannelNameRouter`.
 *
 * @throws ImproperlyConfigured when no layer is configured, no channel is
 *   given, or the application does not route one of the channels (no
 *   `channel` entry in its `ProtocolTypeRouter`, or no route in its
 *   `ChannelNameRouter`): checked at start-up, before any message is taken.
 * @throws InvalidChannelName for an invalid channel name.
 *
 * @example
 * ```ts
 * const application = ProtocolTypeRouter({
 *   channel: ChannelNameRouter({ thumbnails: ThumbnailConsumer.asApp() }),
 * })
 * await runWorker(application, ['thumbnails'], { handleSignals: true })
 * ```
 */
export async function runWorker(
  application: Application,
  channels: readonly string[],
  options: RunWorkerOptions = {},
): Promise<void> {
  if (channels.length === 0) throw new ImproperlyConfigured('runWorker() needs at least one channel name.')
  for (const channel of channels) requireValidChannelName(channel)
  const alias = options.channelLayerAlias ?? 'default'
  const layer = options.layer ?? getChannelLayer(alias)
  if (layer === null) {
    throw new ImproperlyConfigured(
      `runWorker() needs a channel layer, but none is configured under '${alias}'. Configure one ` +
        "(configureChannelLayers({ default: { backend: 'redis' } })) in the module that exports the application.",
    )
  }
  const stop = new AbortController()
  const onAbort = (): void => stop.abort()
  options.signal?.addEventListener('abort', onAbort, { once: true })
  if (options.signal?.aborted) stop.abort()
  const removeHandlers = options.handleSignals === true ? installHandlers(stop) : () => undefined
  const restart: Restart = {
    initialMs: options.restartDelay?.initialMs ?? 100,
    maxMs: options.restartDelay?.maxMs ?? 30_000,
    sleep: options.sleep ?? sleep,
    onError: options.onError ?? logError,
  }
  try {
    const runs = channels.map((channel) => runChannel(application, layer, channel, stop.signal, restart))
    const refused = await firstRefusal(runs.map((run) => run.started))
    if (refused !== undefined) {
      stop.abort()
      await Promise.allSettled(runs.map((run) => run.done))
      throw refused
    }
    options.onReady?.()
    const loops = Promise.all(runs.map((run) => run.done))
    await stoppedOrTimedOut(loops, stop.signal, (options.shutdownTimeout ?? 30) * 1000)
  } finally {
    options.signal?.removeEventListener('abort', onAbort)
    removeHandlers()
  }
}

interface Restart {
  initialMs: number
  maxMs: number
  sleep: (ms: number, signal: AbortSignal) => Promise<void>
  onError: (error: unknown, channel: string, restartInMs: number) => void
}

interface ChannelRun {
  /** Resolves once the first instance asks for a message; or with the refusal when it cannot route it. */
  started: Promise<ImproperlyConfigured | undefined>
  /** Settles when the channel's loop has ended. */
  done: Promise<void>
}

/**
 * Keeps one application instance running for `channel`, restarting it after
 * a failure with a growing pause. The first instance doubles as the start-up
 * check: a routing error before it asked for a message means the
 * application does not handle this channel at all.
 */
function runChannel(
  application: Application,
  layer: ChannelLayer,
  channel: string,
  stop: AbortSignal,
  restart: Restart,
): ChannelRun {
  let reportStart!: (refusal: ImproperlyConfigured | undefined) => void
  const started = new Promise<ImproperlyConfigured | undefined>((resolve) => (reportStart = resolve))
  // An instance that never asks for a message must not keep a stopping worker from stopping.
  stop.addEventListener('abort', () => reportStart(undefined), { once: true })
  const scope: ChannelScope = { type: 'channel', channel }
  const done = (async () => {
    let first = true
    let failures = 0
    while (!stop.aborted) {
      let asked = false
      let took = false
      const receive = async (): Promise<Message> => {
        if (!asked) {
          asked = true
          if (first) reportStart(undefined)
        }
        try {
          const message = await layer.receive(channel, { signal: stop })
          took = true
          return message
        } catch (error) {
          // A consumer ends cleanly on StopConsumer: that is how a stopping worker ends its instances.
          if (stop.aborted && error instanceof ReceiveCancelled)
            throw new StopConsumer('The worker is stopping.')
          throw error
        }
      }
      const send = async (message: Message): Promise<void> => {
        throw new InvalidEvent(
          `A worker application cannot send events (it sent '${message.type}' on channel '${channel}'): ` +
            'there is no client. Use this.channelLayer.send() or groupSend() instead.',
        )
      }
      let outcome: unknown
      try {
        await application({ ...scope }, receive, send)
        outcome = new ImproperlyConfigured(
          `The application for channel '${channel}' returned; a worker application runs until the worker stops.`,
        )
      } catch (error) {
        if (stop.aborted && error instanceof StopConsumer) break
        outcome = error
      }
      if (first && !asked && (outcome instanceof UnknownScopeType || outcome instanceof RouteNotFound)) {
        reportStart(
          new ImproperlyConfigured(
            `The application does not route the channel '${channel}', so a worker cannot consume it: ` +
              `${(outcome as Error).message} Route it with ProtocolTypeRouter({ channel: ChannelNameRouter({ ` +
              `'${channel}': MyConsumer.asApp() }) }), or leave '${channel}' off the command line.`,
          ),
        )
        return
      }
      if (first) reportStart(undefined)
      first = false
      if (stop.aborted) break
      // An instance that handled a message worked; a new failure starts the series again.
      failures = took ? 1 : failures + 1
      const delay = Math.min(restart.maxMs, restart.initialMs * 2 ** (failures - 1))
      restart.onError(outcome, channel, delay)
      await restart.sleep(delay, stop)
    }
    reportStart(undefined)
  })()
  return { started, done }
}

async function firstRefusal(
  started: Array<Promise<ImproperlyConfigured | undefined>>,
): Promise<ImproperlyConfigured | undefined> {
  for (const refusal of await Promise.all(started)) if (refusal !== undefined) return refusal
  return undefined
}

async function stoppedOrTimedOut(
  work: Promise<unknown>,
  stop: AbortSignal,
  timeoutMs: number,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const afterStop = new Promise<void>((resolve) => {
    const arm = (): void => {
      timer = setTimeout(resolve, timeoutMs)
      timer.unref()
    }
    if (stop.aborted) arm()
    else stop.addEventListener('abort', arm, { once: true })
  })
  try {
    await Promise.race([work, afterStop])
  } finally {
    clearTimeout(timer)
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve()
    const done = (): void => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
  })
}

function installHandlers(stop: AbortController): () => void {
  const onSignal = (signal: NodeJS.Signals): void => {
    // A second signal means "now": the operator does not want to wait for the work in hand.
    if (stop.signal.aborted) process.exit(signal === 'SIGINT' ? 130 : 143)
    stop.abort()
  }
  process.on('SIGTERM', onSignal)
  process.on('SIGINT', onSignal)
  return () => {
    process.off('SIGTERM', onSignal)
    process.off('SIGINT', onSignal)
  }
}

function logError(error: unknown, channel: string, restartInMs: number): void {
  console.error(
    `tschannels worker: the application for channel '${channel}' failed; restarting it in ${restartInMs} ms.`,
    error,
  )
}
