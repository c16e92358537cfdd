import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

import { describe, expect, it } from 'vitest'

import { detached } from '../../src/util/detached-string.js'

setFlagsFromString('--expose-gc')
const collect = runInNewContext('gc') as () => void

/** JS heap in use after a full collection while `keep` is still referenced. */
function heapHolding(keep: unknown): number {
  collect()
  collect()
  const used = process.memoryUsage().heapUsed
  expect(keep).toBeTruthy()
  return used
}

/** 200 distinct 100 KB request lines, each made at run time so none is a shared constant. */
function requestLines(): string[] {
  return Array.from({ length: 200 }, (_, i) => `/ws/chat/room-${i}/?token=${String(i).repeat(100_000)}`)
}

describe('detached()', () => {
  it('gives back the same text, ASCII or not', () => {
    expect(detached('/ws/chat/lobby/')).toBe('/ws/chat/lobby/')
    expect(detached('/ws/chat/café-☕/')).toBe('/ws/chat/café-☕/')
    expect(detached('short')).toBe('short')
    // An unpaired surrogate would not survive UTF-8; such text is returned unchanged.
    expect(detached('/ws/chat/\ud800-lone/')).toBe('/ws/chat/\ud800-lone/')
  })

  it('lets the long string a path was cut from be collected, where a slice keeps it alive', () => {
    const base = heapHolding(true)
    const views = requestLines().map((line) => line.slice(0, line.indexOf('?')))
    const withViews = heapHolding(views) - base

    const copies = requestLines().map((line) => detached(line.slice(0, line.indexOf('?'))))
    const withCopies = heapHolding([views, copies]) - base - withViews

    expect(copies).toEqual(views)
    // The views keep 200 × 100 KB alive; the copies keep only their own few bytes.
    expect(withViews).toBeGreaterThan(10_000_000)
    expect(withCopies).toBeLessThan(1_000_000)
  })
})
