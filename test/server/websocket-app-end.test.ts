import { describe, expect, it } from 'vitest'

import { PermissionDenied } from '../../src/errors.js'
import type { ServerLogger } from '../../src/server/options.js'
import { actionAfterApplication } from '../../src/server/websocket-app-end.js'

/** A logger that keeps what it was told. */
function recorder(): ServerLogger & { errors: string[] } {
  const errors: string[] = []
  return {
    errors,
    error: (message) => void errors.push(message),
    warn: () => undefined,
    info: () => undefined,
  }
}

describe('what follows the end of a WebSocket application', () => {
  it('answers a handshake the application returned from without answering with 500, and says so', () => {
    const logger = recorder()
    expect(actionAfterApplication('connecting', undefined, false, logger, '/ws/a/')).toEqual({
      kind: 'reject',
      status: 500,
    })
    expect(logger.errors).toEqual([
      'WebSocket application returned without answering the handshake on /ws/a/.',
    ])
  })

  it('answers a handshake with the status of the error the application failed with', () => {
    const logger = recorder()
    expect(actionAfterApplication('connecting', new Error('boom'), false, logger, '/ws/b/')).toEqual({
      kind: 'reject',
      status: 500,
    })
    expect(logger.errors).toEqual(['WebSocket application failed on /ws/b/.'])
  })

  it('answers a handshake refused with an error that carries a 4xx status with that status, and logs nothing', () => {
    const logger = recorder()
    expect(
      actionAfterApplication('connecting', new PermissionDenied('not in this room'), false, logger, '/ws/c/'),
    ).toEqual({
      kind: 'reject',
      status: 403,
    })
    expect(logger.errors).toEqual([])
  })

  it('drops the socket of a denial cut short, and answers 500 when the denial had not started', () => {
    const logger = recorder()
    expect(actionAfterApplication('denying', new Error('mid-body'), true, logger, '/ws/d/')).toEqual({
      kind: 'destroy',
    })
    expect(actionAfterApplication('denying', undefined, false, logger, '/ws/d/')).toEqual({
      kind: 'reject',
      status: 500,
    })
  })

  it('closes an open socket with 1000 when the application returned and 1011 when it failed', () => {
    const logger = recorder()
    expect(actionAfterApplication('open', undefined, false, logger, '/ws/e/')).toEqual({
      kind: 'close',
      code: 1000,
      reason: '',
    })
    expect(actionAfterApplication('open', new Error('bug'), false, logger, '/ws/e/')).toEqual({
      kind: 'close',
      code: 1011,
      reason: 'Internal error',
    })
  })

  it('does nothing to a connection that is already closed', () => {
    expect(actionAfterApplication('closed', new Error('late'), false, recorder(), '/ws/f/')).toEqual({
      kind: 'none',
    })
  })
})
