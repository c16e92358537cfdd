import { readFileSync } from 'node:fs'

import { describe, expect, it } from 'vitest'

import * as errors from '../src/errors.js'

type ErrorClass = (new (...args: never[]) => errors.ChannelsError) & { code: string }

const classes = (Object.entries(errors) as Array<[string, unknown]>).filter(
  (entry): entry is [string, ErrorClass] =>
    typeof entry[1] === 'function' &&
    (entry[1] === errors.ChannelsError || (entry[1] as ErrorClass).prototype instanceof errors.ChannelsError),
)
const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8')
const documented = [...doc.matchAll(/^\|\s*`(CHANNELS_ERR_[A-Z_]+)`\s*\|\s*`(\w+)`\s*\|/gm)].map(
  ([, code, name]) => ({
    code: code!,
    name: name!,
  }),
)

/** Builds an instance with arguments that satisfy every constructor in errors.ts. */
function instantiate(ErrorType: ErrorClass): errors.ChannelsError {
  const Loose = ErrorType as unknown as new (...args: unknown[]) => errors.ChannelsError
  return ErrorType === (errors.UnknownScopeType as unknown)
    ? new Loose('x', [])
    : new Loose('message', 'detail')
}

describe('errors', () => {
  it('exports at least the documented control-flow and layer errors', () => {
    const names = classes.map(([name]) => name)
    expect(names).toEqual(
      expect.arrayContaining(['StopConsumer', 'DenyConnection', 'ChannelFull', 'RouteNotFound']),
    )
  })

  describe.each(classes)('%s', (name, ErrorType) => {
    it('has an instance code equal to its static code', () => {
      const error = instantiate(ErrorType)
      expect(error.code).toBe(ErrorType.code)
      expect(error.name).toBe(name)
      expect(error).toBeInstanceOf(Error)
    })

    it('has a row in docs/errors.md under its own code', () => {
      expect(documented).toContainEqual({ code: ErrorType.code, name })
    })
  })

  it('gives every class a unique code', () => {
    const codes = classes.map(([, ErrorType]) => ErrorType.code)
    expect(new Set(codes).size).toBe(codes.length)
  })

  it('documents no code that no class has', () => {
    const codes = new Set(classes.map(([, ErrorType]) => ErrorType.code))
    const stale = documented.filter(({ code }) => !codes.has(code))
    expect(stale).toEqual([])
  })
})
