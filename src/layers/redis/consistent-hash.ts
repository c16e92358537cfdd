/**
 * The shard a channel or group lives on when a layer spans several Redis
 * hosts. It must pick exactly the shard `channels_redis` picks, or a Python
 * process and a Node process would look for the same group in different
 * places: CRC-32 of the UTF-8 name, keep its low 12 bits (0…4095), and cut
 * that range into `ringSize` equal slices.
 *
 * @module
 * @internal
 */

import { crc32 } from './crc32.js'

/** The size of the hash ring `channels_redis` maps onto its hosts. */
const RING_SLOTS = 4096

/**
 * Index of the host (0 … `ringSize` - 1) that owns `name`.
 *
 * @internal
 */
export function consistentHash(name: string, ringSize: number): number {
  if (ringSize === 1) return 0
  const slot = crc32(name) & (RING_SLOTS - 1)
  // Python computes int(slot / (4096 / ring_size)); the same floating-point
  // division here keeps the boundaries identical for ring sizes that do not divide 4096.
  return Math.floor(slot / (RING_SLOTS / ringSize))
}
