import { describe, expect, it } from 'vitest'

import { ImproperlyConfigured, InvalidChannelName, InvalidGroupName } from '../../src/errors.js'
import { capacityFor, compileChannelCapacity, globToRegExp } from '../../src/layers/capacity.js'
import {
  isValidChannelName,
  isValidGroupName,
  nonLocalName,
  requireValidChannelName,
  requireValidGroupName,
} from '../../src/layers/layer-checks.js'

describe('isValidChannelName', () => {
  it.each(['chat', 'a.b-c_d', 'specific.inmemory!abc-DEF_1.2', 'specific.abc!', 'x'.repeat(99)])(
    'accepts %s',
    (name) => expect(isValidChannelName(name)).toBe(true),
  )

  it.each([
    ['', 'empty'],
    ['x'.repeat(100), '100 characters'],
    ['café', 'non-ASCII'],
    ['a b', 'a space'],
    ['a!b!c', 'two "!"'],
    ['!local', 'nothing before "!"'],
    ['a/b', 'a slash'],
    ['line\n', 'a trailing newline'],
  ])('rejects %j (%s)', (name) => expect(isValidChannelName(name)).toBe(false))

  it.each([42, null, undefined, {}, ['chat']])('rejects the non-string %j', (name) =>
    expect(isValidChannelName(name)).toBe(false),
  )
})

describe('isValidGroupName', () => {
  it('accepts the channel characters without "!"', () => {
    expect(isValidGroupName('room.lobby-1_a')).toBe(true)
    expect(isValidGroupName('room!local')).toBe(false)
    expect(isValidGroupName('x'.repeat(99))).toBe(true)
    expect(isValidGroupName('x'.repeat(100))).toBe(false)
  })
})

describe('requireValidChannelName', () => {
  it('throws InvalidChannelName stating the rule and showing the name', () => {
    expect(() => requireValidChannelName('café')).toThrow(InvalidChannelName)
    expect(() => requireValidChannelName('café')).toThrow(
      /1 to 99 characters: ASCII letters, digits, hyphens, underscores or periods.*"café" \(4 characters\)/,
    )
  })

  it('shows only the start of a long name', () => {
    const error = captured(() => requireValidChannelName('y'.repeat(500)))
    expect(error.message).toContain(`"${'y'.repeat(40)}…" (500 characters)`)
    expect(error.message).not.toContain('y'.repeat(41))
  })

  it('describes a value that is not a string by its type', () => {
    expect(() => requireValidChannelName(7)).toThrow(/got a value of type number/)
    expect(() => requireValidChannelName('')).toThrow(/got an empty string/)
  })
})

describe('requireValidGroupName', () => {
  it('throws InvalidGroupName stating the rule', () => {
    expect(() => requireValidGroupName('room!x')).toThrow(InvalidGroupName)
    expect(() => requireValidGroupName('room!x')).toThrow(/A group name must be/)
  })
})

describe('nonLocalName', () => {
  it('keeps a process-local name up to and including the "!"', () => {
    expect(nonLocalName('specific.abc!def')).toBe('specific.abc!')
    expect(nonLocalName('chat')).toBe('chat')
  })
})

describe('globToRegExp', () => {
  it.each([
    ['http.response!*', 'http.response!abc', true],
    ['http.response!*', 'http.responseXabc', false],
    ['chat.?', 'chat.a', true],
    ['chat.?', 'chat.ab', false],
    ['room.[ab]', 'room.b', true],
    ['room.[!ab]', 'room.b', false],
    ['room.[!ab]', 'room.c', true],
    ['room.[a-c]x', 'room.bx', true],
    ['exact', 'exact.more', false],
    ['half[open', 'half[open', true],
  ])('%s matching %s is %s, as fnmatch has it', (glob, name, expected) => {
    expect(globToRegExp(glob).test(name)).toBe(expected)
  })
})

describe('compileChannelCapacity', () => {
  it('keeps the order of the patterns, so the first match wins', () => {
    const rules = compileChannelCapacity({ 'a.*': 1, '*': 2 })
    expect(capacityFor('a.b', rules, 100)).toBe(1)
    expect(capacityFor('b', rules, 100)).toBe(2)
    expect(capacityFor('b', [], 100)).toBe(100)
  })

  it('drops the global flag of a RegExp so matching is not stateful', () => {
    const rules = compileChannelCapacity([[/^a/g, 1]])
    expect([capacityFor('ab', rules, 9), capacityFor('ab', rules, 9)]).toEqual([1, 1])
  })

  it('rejects a bad capacity or pattern with ImproperlyConfigured', () => {
    expect(() => compileChannelCapacity({ 'a.*': 0 })).toThrow(ImproperlyConfigured)
    expect(() => compileChannelCapacity([[1 as unknown as string, 1]])).toThrow(/glob string or a RegExp/)
    expect(() => compileChannelCapacity(5 as unknown as [])).toThrow(/must be an object/)
  })
})

function captured(fn: () => void): Error {
  try {
    fn()
  } catch (error) {
    return error as Error
  }
  throw new Error('expected a throw')
}
