import { describe, expect, it } from 'vitest'

import { LocalChannels } from '../../../src/layers/redis/local-channels.js'
import type { LayerMessage } from '../../../src/types.js'

const at = (epoch: string, offset: number): LayerMessage => ({
  type: 'room.message',
  __position: { group: 'room.a', epoch, offset },
})

describe('LocalChannels at the recovery seam', () => {
  it('drops live duplicates of the epoch it read, but delivers a new epoch whatever its offsets', async () => {
    const local = new LocalChannels(
      () => 100,
      60_000,
      () => 0,
    )
    local.open('ch')
    local.hold('ch', 'room.a')
    // The live copy of offset 5 arrives while the history read is in flight.
    local.deliver('ch', at('E1', 5))
    local.release('ch', 'room.a', [at('E1', 4), at('E1', 5)], 5, 'E1')
    local.deliver('ch', at('E1', 5))
    // The history was lost (Redis restarted, or the TTL ran out): a new epoch counts from 1 again.
    local.deliver('ch', at('E2', 1))
    local.deliver('ch', at('E2', 2))
    const received: unknown[] = []
    for (let i = 0; i < 4; i++) received.push((await local.receive('ch', undefined)).__position)
    expect(received).toEqual([
      { group: 'room.a', epoch: 'E1', offset: 4 },
      { group: 'room.a', epoch: 'E1', offset: 5 },
      { group: 'room.a', epoch: 'E2', offset: 1 },
      { group: 'room.a', epoch: 'E2', offset: 2 },
    ])
    expect(local.queued('ch')).toBe(0)
  })
})
