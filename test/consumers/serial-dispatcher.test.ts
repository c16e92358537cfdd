import { describe, expect, it } from 'vitest'

import { DISPATCH, SerialDispatcher } from '../../src/consumers/serial-dispatcher.js'
import { StopConsumer } from '../../src/errors.js'
import type { Message } from '../../src/types.js'

/** A target whose handler stops on `stop`, fails on `boom` and records the rest. */
function recordingTarget(seen: string[]) {
  return {
    [DISPATCH](message: Message): Promise<void> {
      if (message.type === 'stop') return Promise.reject(new StopConsumer())
      if (message.type === 'boom') return Promise.reject(new Error('boom'))
      seen.push(message.type)
      return Promise.resolve()
    },
  }
}

describe('SerialDispatcher clean-up', () => {
  it('settles finished only after the clean-up has completed', async () => {
    const order: string[] = []
    const dispatcher = new SerialDispatcher(recordingTarget(order))
    dispatcher.whenFinished(async () => {
      await new Promise((resolve) => setTimeout(resolve, 20))
      order.push('cleaned up')
    })
    void dispatcher.finished.then(() => order.push('finished'))
    await dispatcher.deliver({ type: 'a' })
    await dispatcher.deliver({ type: 'stop' })
    await dispatcher.finished
    expect(order).toEqual(['a', 'cleaned up', 'finished'])
  })

  it('rejects finished with the handler’s error even when the clean-up fails', async () => {
    const dispatcher = new SerialDispatcher(recordingTarget([]))
    dispatcher.whenFinished(() => Promise.reject(new Error('discard failed')))
    await dispatcher.deliver({ type: 'boom' })
    await expect(dispatcher.finished).rejects.toThrow('boom')
  })

  it('still settles when the clean-up throws before returning a promise', async () => {
    const dispatcher = new SerialDispatcher(recordingTarget([]))
    dispatcher.whenFinished(() => {
      throw new Error('thrown at once')
    })
    dispatcher.fail(new StopConsumer())
    await expect(dispatcher.finished).resolves.toBeUndefined()
  })

  it('runs the clean-up once, however many sources report the end', async () => {
    let runs = 0
    const dispatcher = new SerialDispatcher(recordingTarget([]))
    dispatcher.whenFinished(async () => {
      runs++
    })
    dispatcher.fail(new StopConsumer())
    dispatcher.fail(new Error('late'))
    await dispatcher.finished
    expect(runs).toBe(1)
  })
})
