import { describe, expect, it } from 'vitest'

import { headerName, headerValue, shared } from '../../src/server/shared-strings.js'

describe('shared scope strings', () => {
  it('lower-cases header names, common and unknown alike', () => {
    expect(headerName('Sec-WebSocket-Version')).toBe('sec-websocket-version')
    expect(headerName('HOST')).toBe('host')
    expect(headerName('X-My-Custom-Header')).toBe('x-my-custom-header')
  })

  it('trims values whether or not the header is one whose values are shared', () => {
    expect(headerValue('user-agent', '  Mozilla/5.0 (X11; Linux x86_64)  ')).toBe(
      'Mozilla/5.0 (X11; Linux x86_64)',
    )
    expect(headerValue('cookie', ' sessionid=abc ')).toBe('sessionid=abc')
    expect(headerValue('sec-websocket-key', 'dGhlIHNhbXBsZSBub25jZQ==')).toBe('dGhlIHNhbXBsZSBub25jZQ==')
  })

  it('gives back every value unchanged after the bounded table has started over many times', () => {
    // Far more distinct values than the table keeps, as a client sending ever-new origins would.
    for (let n = 0; n < 5_000; n++)
      expect(shared(`http://client-${n}.example`)).toBe(`http://client-${n}.example`)
    expect(shared('127.0.0.1')).toBe('127.0.0.1')
    expect(shared('127.0.0.1')).toBe('127.0.0.1')
    const long = 'x'.repeat(2_000)
    expect(shared(long)).toBe(long)
    expect(headerValue('origin', 'http://127.0.0.1:8000')).toBe('http://127.0.0.1:8000')
  })
})
