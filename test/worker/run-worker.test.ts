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

  it('throws ImproperlyConfigured without channels or without a layer', async () => {
    await expect(runWorker(async () => undefined, [])).rejects.toBeInstanceOf(ImproperlyConfigured)
    await expect(
      runWorker(async () => undefined, ['jobs'], { channelLayerAlias: 'missing' }),
    ).rejects.toBeInstanceOf(ImproperlyConfigured)
  })
})
