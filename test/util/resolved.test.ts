/**
 * The "finished synchronously" contract: only the shared `RESOLVED` says
 * so, and with the switch off (`TSCHANNELS_SYNC_SETTLE=0`) nothing does, and
 * consumers behave exactly the same, through `then()` instead.
 */

import { afterEach, describe, expect, it, vi } from 'vitest'

import type * as Tschannels from '../../src/index.js'
import type * as Testing from '../../src/testing/index.js'
import type * as Resolved from '../../src/util/resolved.js'
import { RESOLVED, finishedSync } from '../../src/util/resolved.js'

afterEach(() => {
  vi.unstubAllEnvs()
  vi.resetModules()
})

/** Fresh copies of the modules, so they read the environment as it is now. */
async function freshModules(): Promise<{
  resolved: typeof Resolved
  tschannels: typeof Tschannels
  testing: typeof Testing
}> {
  vi.resetModules()
  return {
    resolved: await import('../../src/util/resolved.js'),
    tschannels: await import('../../src/index.js'),
    testing: await import('../../src/testing/index.js'),
  }
}

describe('finishedSync', () => {
  it('is true for the shared RESOLVED only, not for another fulfilled promise', () => {
    expect(finishedSync(RESOLVED)).toBe(true)
    expect(finishedSync(Promise.resolve())).toBe(false)
  })

  it('is never true with TSCHANNELS_SYNC_SETTLE=0', async () => {
    vi.stubEnv('TSCHANNELS_SYNC_SETTLE', '0')
    const { resolved } = await freshModules()
    expect(resolved.finishedSync(resolved.RESOLVED)).toBe(false)
  })
})

describe.each([
  ['with the synchronous fast path', '1'],
  ['without it (TSCHANNELS_SYNC_SETTLE=0)', '0'],
])('a consumer %s', (_name, setting) => {
  it('answers every frame and every group message, in order', async () => {
    vi.stubEnv('TSCHANNELS_SYNC_SETTLE', setting)
    const { tschannels, testing } = await freshModules()
    const layer = new tschannels.InMemoryChannelLayer()
    tschannels.configureChannelLayers({ default: layer })
    class Echo extends tschannels.WebsocketConsumer {
      static override groups = ['room']
      override async receive({ text }: { text?: string }): Promise<void> {
        if (text === 'broadcast') await this.channelLayer.groupSend('room', { type: 'room.message', n: 'g' })
        else await this.send({ text: `echo ${text}` })
      }
      roomMessage(message: { n: string }): Promise<void> {
        return this.send({ text: `group ${message.n}` })
      }
    }
    const communicator = new testing.WebsocketCommunicator(Echo.asApp(), '/ws/')
    try {
      expect((await communicator.connect()).connected).toBe(true)
      for (let n = 0; n < 50; n++) await communicator.sendTo({ text: String(n) })
      await communicator.sendTo({ text: 'broadcast' })
      for (let n = 0; n < 50; n++) expect(await communicator.receiveFrom()).toBe(`echo ${n}`)
      expect(await communicator.receiveFrom()).toBe('group g')
    } finally {
      await communicator.disconnect()
      await tschannels.resetChannelLayers()
    }
  })
})
