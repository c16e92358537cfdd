import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import { startedByNpm, watchParent } from '../../src/server/parent-watch.js'

beforeEach(() => void vi.useFakeTimers())
afterEach(() => void vi.useRealTimers())

describe('watchParent', () => {
  it('calls back once when the parent process changes, and not before', () => {
    let parent = 4242
    const orphaned = vi.fn()
    watchParent(orphaned, { ppid: () => parent })
    vi.advanceTimersByTime(5000)
    expect(orphaned).not.toHaveBeenCalled()
    parent = 1
    vi.advanceTimersByTime(1000)
    vi.advanceTimersByTime(5000)
    expect(orphaned).toHaveBeenCalledTimes(1)
  })

  it('stops watching when told to', () => {
    let parent = 4242
    const orphaned = vi.fn()
    const stop = watchParent(orphaned, { ppid: () => parent })
    stop()
    parent = 1
    vi.advanceTimersByTime(5000)
    expect(orphaned).not.toHaveBeenCalled()
  })
})

describe('startedByNpm', () => {
  it('is true under npm start, npm run and npx, false otherwise', () => {
    expect(startedByNpm({ npm_command: 'exec' })).toBe(true)
    expect(startedByNpm({ npm_lifecycle_event: 'start' })).toBe(true)
    expect(startedByNpm({ PATH: '/usr/bin' })).toBe(false)
  })
})
