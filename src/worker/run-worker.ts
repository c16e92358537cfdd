/**
 * `runWorker`: consumes named channels of the channel layer through an
 * application, as Channels' `runworker` does: one application instance per
 * channel, living as long as the worker, whose `receive()` yields the
 * channel's messages one at a time, under a `{ type: 'channel', channel }`
 * scope. Several worker processes on one Redis share each channel's queue,
 * so every message is handled once.
 *
 * @module
 */

import { ImproperlyConfigured, InvalidEvent, ReceiveCancelled, StopConsumer } from '../errors.js'
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
  /** Called when an application instance fails; it is restarted for the next message. @default logs to stderr */
  onError?: (error: unknown, channel: string) => void
}

/**
 * Runs `application` for the messages of `channels` until stopped (by
 * `options.signal`, or SIGTERM/SIGINT with `handleSignals`). Usually the
 * application is a `ProtocolTypeRouter` with a `channel` entry holding a
 * `ChannelNameRouter`.
 *
 * @throws ImproperlyConfigured when no layer is configured or no channel is given.
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
  const onError = options.onError ?? logError
  try {
    const loops = channels.map((channel) => runChannel(application, layer, channel, stop.signal, onError))
    await stoppedOrTimedOut(Promise.all(loops), stop.signal, (options.shutdownTimeout ?? 30) * 1000)
  } finally {
    options.signal?.removeEventListener('abort', onAbort)
    removeHandlers()
  }
}

/** Keeps one application instance running for `channel`, restarting it after a failure. */
async function runChannel(
  application: Application,
  layer: ChannelLayer,
  channel: string,
  stop: AbortSignal,
  onError: (error: unknown, channel: string) => void,
): Promise<void> {
  const scope: ChannelScope = { type: 'channel', channel }
  while (!stop.aborted) {
    const receive = async (): Promise<Message> => {
      try {
        return await layer.receive(channel, { signal: stop })
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
    try {
      await application({ ...scope }, receive, send)
    } catch (error) {
      if (stop.aborted && error instanceof StopConsumer) return
      onError(error, channel)
    }
  }
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

function logError(error: unknown, channel: string): void {
  console.error(`tschannels worker: the application for channel '${channel}' failed; restarting it.`, error)
}
