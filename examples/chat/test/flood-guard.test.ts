import { describe, expect, it } from 'vitest'

import { FloodGuard } from '../flood-guard.js'

describe('FloodGuard', () => {
  describe('#check', () => {
    it('allows a burst of 20 and then 20 frames a second', () => {
      const guard = new FloodGuard({}, 0)
      for (let i = 0; i < 20; i++) expect(guard.check(0)).toBe('ok')
      expect(guard.check(0)).toBe('limited')
      // Sustained at the limit: one frame every 50 ms is always fine.
      for (let t = 50; t <= 10_000; t += 50) expect(guard.check(t)).toBe('ok')
    })

    it('says close once a flood has gone on for 5 seconds', () => {
      const guard = new FloodGuard({}, 0)
      const verdicts: string[] = []
      // 100 frames a second.
      for (let t = 0; t <= 6000; t += 10) verdicts.push(`${t}:${guard.check(t)}`)
      const firstClose = verdicts.find((v) => v.endsWith(':close'))
      expect(Number(firstClose?.split(':')[0])).toBeGreaterThanOrEqual(5000)
      expect(Number(firstClose?.split(':')[0])).toBeLessThan(5300)
    })

    it('starts the flood clock again after a quiet spell', () => {
      const guard = new FloodGuard({}, 0)
      for (let t = 0; t <= 4000; t += 10) expect(guard.check(t)).not.toBe('close')
      // Three quiet seconds, then flooding again: another five seconds before a close.
      for (let t = 7000; t <= 11_000; t += 10) expect(guard.check(t)).not.toBe('close')
    })
  })
})
