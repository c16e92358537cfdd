import { describe, expect, it } from 'vitest'

import type { Application, Scope } from '../../src/types.js'
import { neverThrowing } from '../../src/util/never-throwing.js'

const scope = { type: 'websocket' } as Scope
const receive = (): Promise<never> => new Promise(() => undefined)
const send = (): Promise<void> => Promise.resolve()

describe('neverThrowing', () => {
  it('turns a synchronous throw into a rejection with what was thrown, unchanged', async () => {
    const thrown = { not: 'an Error' }
    const app = neverThrowing(function Broken(): Promise<void> {
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- user code may throw anything
      throw thrown
    })
    let result: Promise<void> | undefined
    expect(() => (result = app(scope, receive, send))).not.toThrow()
    await expect(result).rejects.toBe(thrown)
  })

  it('hands back the application’s own promise and keeps its name', async () => {
    const inner: Application = function Inner() {
      return Promise.resolve()
    }
    const app = neverThrowing(inner)
    expect(app.name).toBe('Inner')
    await expect(app(scope, receive, send)).resolves.toBeUndefined()
  })
})
