import { describe, expect, it, onTestFinished } from 'vitest'

import { Consumer } from '../../src/consumers/consumer.js'
import { ImproperlyConfigured, InvalidEvent } from '../../src/errors.js'
import { InMemoryChannelLayer } from '../../src/layers/memory.js'
import { ChannelNameRouter } from '../../src/routing/channel-name-router.js'
import { ProtocolTypeRouter } from '../../src/routing/protocol-type-router.js'
import type { Application, LayerMessage, Scope } from '../../src/types.js'
import { runWorker } from '../../src/worker/index.js'

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

function setup(): { layer: InMemoryChannelLayer; stop: AbortController } {
  const layer = new InMemoryChannelLayer()
  const stop = new AbortController()
  onTestFinished(async () => {
    stop.abort()
    await layer.close()
  })
  return { layer, stop }
}

describe('runWorker', () => {
  it('hands each message of a channel to the application under a channel scope', async () => {
    const { layer, stop } = setup()
    const seen: Array<{ scope: Scope; message: LayerMessage }> = []
    const app: Application = async (scope, receive) => {
      for (;;) seen.push({ scope, message: (await receive()) as LayerMessage })
    }
    const running = runWorker(app, ['jobs'], { layer, signal: stop.signal })
    await layer.send('jobs', { type: 'job.run', n: 1 })
    await layer.send('jobs', { type: 'job.run', n: 2 })
    await sleep(20)
    stop.abort()
    await running
    expect(seen).toEqual([
      { scope: { type: 'channel', channel: 'jobs' }, message: { type: 'job.run', n: 1 } },
      { scope: { type: 'channel', channel: 'jobs' }, message: { type: 'job.run', n: 2 } },
    ])
  })

  it('routes consumers through ProtocolTypeRouter and ChannelNameRouter', async () => {
    const { layer, stop } = setup()
    const done: string[] = []
    class Thumbnails extends Consumer {
      async thumbnailsCreate(message: LayerMessage): Promise<void> {
        done.push(`thumb:${String(message.id)}`)
      }
    }
    class Emails extends Consumer {
      async emailSend(message: LayerMessage): Promise<void> {
        done.push(`mail:${String(message.to)}`)
      }
    }
    const app = ProtocolTypeRouter({
      channel: ChannelNameRouter({ thumbnails: Thumbnails.asApp(), emails: Emails.asApp() }),
    })
    const running = runWorker(app, ['thumbnails', 'emails'], { layer, signal: stop.signal })
    await layer.send('thumbnails', { type: 'thumbnails.create', id: 7 })
    await layer.send('emails', { type: 'email.send', to: 'ann' })
    await sleep(30)
    stop.abort()
    await running
    expect(done.sort()).toEqual(['mail:ann', 'thumb:7'])
  })

  it('finishes the message in hand when stopped, then returns', async () => {
    const { layer, stop } = setup()
    let finished = false
    class Slow extends Consumer {
      async jobRun(): Promise<void> {
        await sleep(100)
        finished = true
      }
    }
    const running = runWorker(Slow.asApp(), ['slow'], { layer, signal: stop.signal })
    await layer.send('slow', { type: 'job.run' })
    await sleep(20)
    stop.abort()
    await running
    expect(finished).toBe(true)
  })

  it('restarts an application that failed and reports the error', async () => {
    const { layer, stop } = setup()
    const errors: unknown[] = []
    let calls = 0
    const app: Application = async (_scope, receive) => {
      calls++
      await receive()
      throw new Error('boom')
    }
    const running = runWorker(app, ['flaky'], {
      layer,
      signal: stop.signal,
      onError: (error) => errors.push(error),
      sleep: async () => {},
    })
    await layer.send('flaky', { type: 'job.run' })
    await layer.send('flaky', { type: 'job.run' })
    await sleep(30)
    stop.abort()
    await running
    expect(errors).toHaveLength(2)
    expect(calls).toBe(3)
  })

  it('rejects a send from the application with InvalidEvent', async () => {
    const { layer, stop } = setup()
    const errors: unknown[] = []
    const app: Application = async (_scope, receive, send) => {
      await receive()
      await send({ type: 'websocket.send', text: 'hi' })
    }
    const running = runWorker(app, ['noisy'], {
      layer,
      signal: stop.signal,
      onError: (error) => errors.push(error),
    })
    await layer.send('noisy', { type: 'job.run' })
    await sleep(20)
    stop.abort()
    await running
    expect(errors[0]).toBeInstanceOf(InvalidEvent)
  })

  it('refuses at start-up a channel its ChannelNameRouter does not route, taking no message', async () => {
    const { layer } = setup()
    await layer.send('thumbnails', { type: 'job.run' })
    class Emails extends Consumer {}
    const app = ProtocolTypeRouter({ channel: ChannelNameRouter({ emails: Emails.asApp() }) })
    const attempt = runWorker(app, ['emails', 'thumbnails'], { layer })
    await expect(attempt).rejects.toBeInstanceOf(ImproperlyConfigured)
    await expect(attempt).rejects.toThrow(
      "The application does not route the channel 'thumbnails', so a worker cannot consume it: " +
        "No application for channel 'thumbnails'; known channels: 'emails'.",
    )
    expect(await layer.receive('thumbnails')).toEqual({ type: 'job.run' })
  })

  it('refuses at start-up an application with no channel entry in its ProtocolTypeRouter', async () => {
    const { layer } = setup()
    const app = ProtocolTypeRouter({ websocket: async () => {} })
    await expect(runWorker(app, ['thumbnails'], { layer })).rejects.toThrow(
      /does not route the channel 'thumbnails'.*No application configured for scope type 'channel'/,
    )
  })

  it('waits longer after each failure in a row, up to the cap, and starts over after a message', async () => {
    const { layer, stop } = setup()
    const delays: number[] = []
    const reported: number[] = []
    let instances = 0
    const app: Application = async (_scope, receive) => {
      instances++
      // The seventh instance takes a message and then fails: it worked, so the series restarts.
      if (instances === 7) await receive()
      throw new Error(`failure ${instances}`)
    }
    const running = runWorker(app, ['broken'], {
      layer,
      signal: stop.signal,
      restartDelay: { initialMs: 100, maxMs: 1000 },
      onError: (_error, _channel, restartInMs) => reported.push(restartInMs),
      sleep: async (ms) => {
        delays.push(ms)
        if (delays.length === 6) await layer.send('broken', { type: 'job.run' })
        if (delays.length === 8) stop.abort()
      },
    })
    await running
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000, 100, 200])
    expect(reported).toEqual(delays)
  })

  it('stops at once while it waits to restart a failed application', async () => {
    const { layer, stop } = setup()
    const app: Application = async () => {
      throw new Error('always')
    }
    const running = runWorker(app, ['broken'], {
      layer,
      signal: stop.signal,
      restartDelay: { initialMs: 60_000 },
      onError: () => stop.abort(),
    })
    // With a one-minute pause and the default timer, only the abort can end this promptly.
    await running
  })

  it('throws ImproperlyConfigured without channels or without a layer', async () => {
    await expect(runWorker(async () => undefined, [])).rejects.toBeInstanceOf(ImproperlyConfigured)
    await expect(
      runWorker(async () => undefined, ['jobs'], { channelLayerAlias: 'missing' }),
    ).rejects.toBeInstanceOf(ImproperlyConfigured)
  })
})
