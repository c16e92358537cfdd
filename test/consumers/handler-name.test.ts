import { describe, expect, it } from 'vitest'

import { handlerName } from '../../src/consumers/handler-name.js'
import { InvalidMessageType } from '../../src/errors.js'

describe('handlerName', () => {
  it('turns dots into camelCase', () => {
    expect(handlerName('chat.message')).toBe('chatMessage')
    expect(handlerName('websocket.receive')).toBe('websocketReceive')
  })

  it('turns underscores into camelCase as well', () => {
    expect(handlerName('chat_message')).toBe('chatMessage')
    expect(handlerName('user.joined_room')).toBe('userJoinedRoom')
  })

  it('keeps a single word as it is', () => {
    expect(handlerName('ping')).toBe('ping')
  })

  it('collapses repeated separators and drops a trailing one', () => {
    expect(handlerName('chat..message')).toBe('chatMessage')
    expect(handlerName('chat.')).toBe('chat')
  })

  it('refuses a type starting with an underscore', () => {
    expect(() => handlerName('_private')).toThrow(InvalidMessageType)
    expect(() => handlerName('_private')).toThrow(/starts with '_'/)
  })

  it('refuses a type starting with a dot', () => {
    expect(() => handlerName('.hidden')).toThrow(/starts with '\.'/)
  })

  it('refuses a missing or empty type with a message that says what a type looks like', () => {
    expect(() => handlerName(undefined)).toThrow(/non-empty string 'type'.*no type at all/)
    expect(() => handlerName('')).toThrow(/an empty string/)
    expect(() => handlerName(42)).toThrow(/type number/)
  })
})
