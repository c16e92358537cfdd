import { describe, expect, it } from 'vitest'

import { StopConsumer } from '../../src/errors.js'
import { stackless } from '../../src/util/stackless.js'

describe('stackless', () => {
  it('makes the error without stack frames and keeps its class, code and message', () => {
    const error = stackless(() => new StopConsumer('bye'))
    expect(error).toBeInstanceOf(StopConsumer)
    expect(error.code).toBe('CHANNELS_ERR_STOP_CONSUMER')
    expect(error.message).toBe('bye')
    expect(error.stack).not.toContain('\n    at ')
    expect(new StopConsumer('bye').stack).toContain('\n    at ')
  })

  it('restores the stack trace limit even when making the error throws', () => {
    const before = Error.stackTraceLimit
    expect(() =>
      stackless((): Error => {
        throw new TypeError('broken factory')
      }),
    ).toThrow('broken factory')
    expect(Error.stackTraceLimit).toBe(before)
  })
})
