import { describe, expect, it } from 'vitest'

import { nestsDeeper } from '../../src/consumers/json-depth.js'
import { JsonWebsocketConsumer } from '../../src/consumers/json-websocket-consumer.js'
import type { InvalidFrame } from '../../src/errors.js'
import { JsonTooDeep } from '../../src/errors.js'
import { WebsocketCommunicator } from '../../src/testing/websocket-communicator.js'

/** Echoes every message: encoding it again is where a deep one used to overflow the stack. */
class Echo extends JsonWebsocketConsumer {
  override async receiveJson(content: unknown) {
    await this.sendJson({ echo: content })
  }
}

const nested = (levels: number, leaf = '0'): string => '{"a":'.repeat(levels) + leaf + '}'.repeat(levels)

describe('JsonWebsocketConsumer#maxJsonDepth', () => {
  it('refuses a frame nested 5,000 levels deep with 1009 instead of failing when it is encoded again', async () => {
    const communicator = new WebsocketCommunicator(Echo.asApp(), '/')
    await communicator.connect()
    await communicator.sendTo(nested(5000))
    expect(await communicator.receiveOutput()).toEqual({
      type: 'websocket.close',
      code: 1009,
      reason: 'JSON nested too deeply',
    })
    await communicator.disconnect(1009)
  })

  it('passes a frame nested exactly maxJsonDepth levels deep', async () => {
    const communicator = new WebsocketCommunicator(Echo.asApp(), '/')
    await communicator.connect()
    await communicator.sendTo(nested(128))
    expect(await communicator.receiveJsonFrom()).toHaveProperty('echo.a.a.a')
    await communicator.disconnect()
  })

  it('takes another limit from asApp()', async () => {
    const communicator = new WebsocketCommunicator(Echo.asApp({ maxJsonDepth: 3 }), '/')
    await communicator.connect()
    await communicator.sendTo(`[${nested(3)}]`)
    expect(await communicator.receiveOutput()).toMatchObject({ type: 'websocket.close', code: 1009 })
  })

  it('hands JsonTooDeep to an invalidFrame() override, which may answer and stay open', async () => {
    class Polite extends Echo {
      override async invalidFrame(error: InvalidFrame) {
        await this.sendJson({ error: error.code, tooDeep: error instanceof JsonTooDeep })
      }
    }
    const communicator = new WebsocketCommunicator(Polite.asApp(), '/')
    await communicator.connect()
    await communicator.sendTo(`[${'['.repeat(200)}${']'.repeat(200)}]`)
    expect(await communicator.receiveJsonFrom()).toEqual({
      error: 'CHANNELS_ERR_JSON_TOO_DEEP',
      tooDeep: true,
    })
    await communicator.sendTo('{"still":"open"}')
    expect(await communicator.receiveJsonFrom()).toEqual({ echo: { still: 'open' } })
    await communicator.disconnect()
  })
})

describe('nestsDeeper', () => {
  it('counts each array or object as one level', () => {
    expect(nestsDeeper('text', 0)).toBe(false)
    expect(nestsDeeper([], 0)).toBe(true)
    expect(nestsDeeper([], 1)).toBe(false)
    expect(nestsDeeper({ a: [1, { b: null }] }, 3)).toBe(false)
    expect(nestsDeeper({ a: [1, { b: {} }] }, 3)).toBe(true)
  })

  it('walks a value 100,000 levels deep without overflowing the stack', () => {
    expect(nestsDeeper(JSON.parse(nested(100_000)), 128)).toBe(true)
  })
})
