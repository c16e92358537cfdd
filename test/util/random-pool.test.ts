import { describe, expect, it } from 'vitest'

import { fillRandom, randomName } from '../../src/util/random-pool.js'

describe('random pool', () => {
  it('gives 12-character base64url names that do not repeat across several pool refills', () => {
    const names = new Set<string>()
    // 9 bytes each: 5,000 names use about eleven 4 KiB blocks.
    for (let n = 0; n < 5_000; n++) {
      const name = randomName()
      expect(name).toMatch(/^[A-Za-z0-9_-]{12}$/)
      names.add(name)
    }
    expect(names.size).toBe(5_000)
  })

  it('fills only the asked bytes at the asked offset, even when more than a block is asked', () => {
    const target = Buffer.alloc(10_000, 0xee)
    fillRandom(target, 8_000, 1_000)
    expect(target.subarray(0, 1_000).every((byte) => byte === 0xee)).toBe(true)
    expect(target.subarray(9_000).every((byte) => byte === 0xee)).toBe(true)
    // 8,000 random bytes all equal to 0xee is not going to happen.
    expect(target.subarray(1_000, 9_000).some((byte) => byte !== 0xee)).toBe(true)
  })
})
