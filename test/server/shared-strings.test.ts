import { describe, expect, it } from 'vitest'

import { headerName, headerPair, shared } from '../../src/server/shared-strings.js'

describe('shared scope strings', () => {
  it('lower-cases header names, common and unknown alike', () => {
    expect(headerName('Sec-WebSocket-Version')).toBe('sec-websocket-version')
    expect(headerName('HOST')).toBe('host')
    expect(headerName('X-My-Custom-Header')).toBe('x-my-custom-header')
  })

  it('trims values whether or not the header is one whose values are shared', () => {
    expect(headerPair('User-Agent', '  Mozilla/5.0 (X11; Linux x86_64)  ')).toEqual([
      'user-agent',
      'Mozilla/5.0 (X11; Linux x86_64)',
    ])
    expect(headerPair('Cookie', ' sessionid=abc ')).toEqual(['cookie', 'sessionid=abc'])
    expect(headerPair('Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ==')).toEqual([
      'sec-websocket-key',
      'dGhlIHNhbXBsZSBub25jZQ==',
    ])
  })

  it('gives every connection the same frozen pair for a repeated header, and its own for a per-client one', () => {
    const first = headerPair('Origin', 'http://127.0.0.1:8000')
    expect(headerPair('origin', ' http://127.0.0.1:8000 ')).toBe(first)
    expect(Object.isFrozen(first)).toBe(true)
    expect(() => {
      'use strict'
      first[1] = 'http://evil.example'
    }).toThrow(TypeError)
    expect(headerPair('Origin', 'http://127.0.0.1:8000')).toEqual(['origin', 'http://127.0.0.1:8000'])

    const key = headerPair('Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ==')
    expect(headerPair('Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ==')).not.toBe(key)
    expect(Object.isFrozen(key)).toBe(false)
  })

  it('gives back every value unchanged after the bounded tables have started over many times', () => {
    // Far more distinct values than the tables keep, as a client sending ever-new origins would.
    for (let n = 0; n < 5_000; n++) {
      expect(shared(`http://client-${n}.example`)).toBe(`http://client-${n}.example`)
      expect(headerPair('Origin', `http://client-${n}.example`)).toEqual([
        'origin',
        `http://client-${n}.example`,
      ])
    }
    expect(shared('127.0.0.1')).toBe('127.0.0.1')
    expect(shared('127.0.0.1')).toBe('127.0.0.1')
    const long = 'x'.repeat(2_000)
    expect(shared(long)).toBe(long)
    expect(headerPair('Origin', long)).toEqual(['origin', long])
    expect(headerPair('Origin', long)).not.toBe(headerPair('Origin', long))
    const again = headerPair('Origin', 'http://127.0.0.1:8000')
    expect(headerPair('Origin', 'http://127.0.0.1:8000')).toBe(again)
  })
})
