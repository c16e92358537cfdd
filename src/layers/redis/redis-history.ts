/**
 * Group history on Redis, for both Redis layers: per group, a stream
 * `<prefix>:history:<group>` holding its last messages under IDs
 * `<offset>-0`, and a hash `<prefix>:history-meta:<group>` with its epoch
 * and last offset. Both expire `ttl` after the last message; when Redis
 * loses them (a restart without persistence, a flush, the time to live) the
 * next use makes a new epoch, so members that stood in the old one are told
 * `recovered: false`. Redis holds it all, so a process that dies loses
 * nothing that was acknowledged.
 *
 * @module
 * @internal
 */

import type { LayerMessage } from '../../types.js'
import {
  NO_HISTORY,
  historyFor,
  isStreamPosition,
  epochCandidate,
  withPosition,
  withoutPosition,
  type GroupJoin,
  type HistoryRule,
  type StreamPosition,
} from '../history.js'
import type { RedisShard } from './connection.js'
import { WireFormat } from './wire-format.js'

/** An epoch's length (12 characters, as `epochCandidate()` makes them), and one to stand in for it. */
const EPOCH_PLACEHOLDER = 'AAAAAAAAAAAA'
const EPOCH_BYTES = Buffer.from(EPOCH_PLACEHOLDER)
/** msgpack for the key `offset`, then the float64 marker, as the position's last entry starts. */
const OFFSET_KEY = Buffer.from([0xa6, ...Buffer.from('offset'), 0xcb])

/** A group's history as a rejoining member reads it. @internal */
export interface HistoryRead {
  join: GroupJoin
  /** The messages after `since`, with their positions, when `join.recovered`. */
  messages: LayerMessage[] | undefined
}

/** A message appended: as members get it, and (core layer) the group's members read with it. @internal */
export interface HistoryAppend {
  message: LayerMessage
  members: readonly string[] | undefined
}

/**
 * The histories of one Redis layer.
 *
 * @internal
 */
export class RedisHistory {
  readonly #prefix: string
  readonly #rules: readonly HistoryRule[]
  readonly #wire: WireFormat
  readonly #shardFor: (name: string) => RedisShard

  /**
   * @param keys - The layer's `symmetricEncryptionKeys`: stored messages are encrypted as the
   *   layer's are, but read back at any age (the history's `ttl` bounds them, not the message expiry).
   */
  constructor(
    prefix: string,
    rules: readonly HistoryRule[],
    keys: ReadonlyArray<string | Uint8Array>,
    shardFor: (name: string) => RedisShard,
  ) {
    this.#prefix = prefix
    this.#rules = rules
    this.#wire = new WireFormat({ symmetricEncryptionKeys: keys, randomPrefixLength: 0 })
    this.#shardFor = shardFor
  }

  /** The history settings of `group`, or `undefined` when it keeps none. */
  ruleFor(group: string): HistoryRule | undefined {
    return this.#rules.length === 0 ? undefined : historyFor(group, this.#rules)
  }

  /**
   * Appends `message` to `group`'s history. With `groupKey` (core layer),
   * also reads the group's members who joined after `joinedBefore` (epoch
   * seconds), in the same step.
   *
   * @throws what the connection throws (the layer decides what an outage means).
   */
  async append(
    group: string,
    rule: HistoryRule,
    message: LayerMessage,
    members?: { groupKey: string; joinedBefore: number },
  ): Promise<HistoryAppend> {
    const plain = withoutPosition(message)
    const stored = this.#wire.encode(plain)
    const shard = this.#shardFor(group)
    const client = shard.isUp ? shard.commands : await shard.ready()
    const [meta, stream] = this.#keys(group)
    const args = [epochCandidate(), rule[2], rule[1], stored]
    const reply =
      members === undefined
        ? await shard.track(client.tschannelsHistoryAppend(2, meta, stream, ...args))
        : await shard.track(
            client.tschannelsHistoryAppend(3, meta, stream, members.groupKey, ...args, members.joinedBefore),
          )
    const [epoch, offset, read] = reply
    return { message: withPosition(plain, { group, epoch, offset }), members: read }
  }

  /**
   * Where `group` stands, creating its epoch if it has none, and with a
   * valid `since`, the messages after it.
   */
  async read(group: string, rule: HistoryRule, since: StreamPosition | undefined): Promise<HistoryRead> {
    const shard = this.#shardFor(group)
    const client = await shard.ready()
    const [meta, stream] = this.#keys(group)
    const valid = isStreamPosition(since)
    const reply = await shard.track(
      client.tschannelsHistoryReadBuffer(
        meta,
        stream,
        epochCandidate(),
        rule[2],
        valid ? since.epoch : '',
        valid ? since.offset : 0,
        rule[1],
      ),
    )
    const epoch = reply[0].toString()
    const offset = Number(reply[1])
    if (Number(reply[2]) !== 1) return { join: { recovered: false, epoch, offset }, messages: undefined }
    const messages: LayerMessage[] = []
    const first = since!.offset + 1
    for (let index = 3; index < reply.length; index++) {
      const decoded = this.#wire.decode(reply[index] as Buffer)
      // A stored message that cannot be read (another key, damage) leaves a gap: say so rather than hide it.
      if (decoded === undefined) return { join: { recovered: false, epoch, offset }, messages: undefined }
      messages.push(withPosition(decoded.message, { group, epoch, offset: first + index - 3 }))
    }
    return { join: { recovered: true, epoch, offset }, messages }
  }

  /** The shard that holds `group`'s history. */
  shardOf(group: string): RedisShard {
    return this.#shardFor(group)
  }

  /**
   * `message` encoded for `HISTORY_PUBLISH`: with a placeholder position as
   * its last bytes, which the script overwrites. `undefined` when the bytes
   * do not end as the script expects (an encrypted layer: the position is
   * inside the token), and the layer appends and publishes in two steps.
   */
  publishable(group: string, message: LayerMessage): Buffer | undefined {
    const payload = this.#wire.encode(withPosition(message, { group, epoch: EPOCH_PLACEHOLDER, offset: 0.5 }))
    const n = payload.length
    if (n < 29 || payload[n - 29] !== 0xac || payload[n - 9] !== 0xcb) return undefined
    if (!payload.subarray(n - 16, n - 8).equals(OFFSET_KEY)) return undefined
    return payload.subarray(n - 28, n - 16).equals(EPOCH_BYTES) ? payload : undefined
  }

  /** The history arguments of `RedisShard.publishAppended` for `group`. */
  publishArgs(group: string, rule: HistoryRule): [string, string, string, number, number] {
    const [meta, stream] = this.#keys(group)
    return [meta, stream, epochCandidate(), rule[2], rule[1]]
  }

  /** What a join reports when Redis cannot be asked. */
  static unavailable(): HistoryRead {
    return { join: NO_HISTORY, messages: undefined }
  }

  #keys(group: string): [meta: string, stream: string] {
    return [`${this.#prefix}:history-meta:${group}`, `${this.#prefix}:history:${group}`]
  }
}
