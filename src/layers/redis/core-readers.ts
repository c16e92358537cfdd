/**
 * How a core layer takes messages out of Redis: one blocking reader per
 * shard for each queue it reads (the shared queue of this process's own
 * channels, and each named channel while a receive waits on it), the
 * decoding of what they pop, and the routing of this process's messages to
 * its local channels by the names they carry. The named channels' waiting
 * receives are here too (`GeneralChannels`).
 *
 * @module
 * @internal
 */

import { settledWithin } from '../../util/settled-within.js'
import type { LayerMessage } from '../../types.js'
import type { RedisShard } from './connection.js'
import { GeneralChannels } from './general-channels.js'
import type { LayerWarnings } from './layer-warnings.js'
import type { LocalChannels } from './local-channels.js'
import { QueueReader, type PoppedEntry, type QueueReaderOwner } from './queue-reader.js'
import type { DecodedMessage, WireFormat } from './wire-format.js'

/** Messages taken per pop by a process's reader: enough to drain a burst in a few round trips. */
const LOCAL_BATCH = 256
/** How long close() lets readers finish a pop before it cuts their connections. */
const CLOSE_GRACE_MS = 250

/** What the readers need from their layer. @internal */
export interface CoreReadersHost {
  readonly shards: readonly RedisShard[]
  readonly wire: WireFormat
  readonly local: LocalChannels
  readonly warnings: LayerWarnings
  readonly expiryMs: number
}

/**
 * The queue readers of one core layer.
 *
 * @internal
 */
export class CoreReaders {
  readonly #host: CoreReadersHost
  /** Channel key → one reader per shard, for the process-local keys of this layer. */
  readonly #local = new Map<string, QueueReader[]>()
  /** The named channels with receives waiting on them. */
  readonly #named: GeneralChannels
  #closed = false

  constructor(host: CoreReadersHost, prefix: string) {
    this.#host = host
    this.#named = new GeneralChannels(
      {
        readersFor: (key, owner) => this.readersFor(key, owner),
        decode: (entry) => this.decode(entry)?.message,
        putBack: (reader, entry) => this.putBack(reader, entry),
      },
      prefix,
    )
  }

  /** The next message of the named `channel`, shared with other processes: read only while awaited. */
  receiveNamed(channel: string, signal: AbortSignal | undefined): Promise<LayerMessage> {
    return this.#named.receive(channel, signal)
  }

  /** Cancels the receives waiting on the named `channel`. */
  discardNamed(channel: string): Promise<void> {
    return this.#named.discard(channel)
  }

  /** Cancels every receive waiting on a named channel with `reason` (flush, close). */
  cancelNamed(reason: string): Promise<void> {
    return this.#named.cancelAll(reason)
  }

  /** One reader per shard for `key`: readers take from every shard, since senders may pick any. */
  readersFor(key: string, owner: QueueReaderOwner): QueueReader[] {
    return this.#host.shards.map((shard) => new QueueReader(shard, key, owner))
  }

  /** Starts the readers of a process-local key (once). */
  startLocal(key: string): void {
    if (this.#local.has(key) || this.#closed) return
    const owner: QueueReaderOwner = {
      wanted: () => (this.#closed ? 0 : LOCAL_BATCH),
      take: (entries, reader) => this.#route(entries, reader.key),
    }
    const readers = this.readersFor(key, owner)
    this.#local.set(key, readers)
    for (const reader of readers) reader.start()
  }

  /** The message of a popped entry, or `undefined` when it expired or cannot be read. */
  decode(entry: PoppedEntry, key = ''): DecodedMessage | undefined {
    const [member, score] = entry
    // channels_redis never checks the age of what it pops; a message older than expiry is dropped here.
    if (score * 1000 <= Date.now() - this.#host.expiryMs) return undefined
    const decoded = this.#host.wire.decode(member)
    if (decoded === undefined) this.#host.warnings.undecodable(key)
    return decoded
  }

  /** Returns an entry nobody took to the head of its queue, with its original score. */
  putBack(reader: QueueReader, [member, score]: PoppedEntry): void {
    void reader.shard.commands
      .zadd(reader.key, score, member)
      .catch(() => this.#host.warnings.dropped(1, reader.key))
  }

  /** Stops every reader, giving pops on their way a short grace. */
  async close(): Promise<void> {
    this.#closed = true
    const local = [...this.#local.values()].flat().map((reader) => reader.stop())
    const stopped = Promise.all([this.#named.stopReaders(), ...local])
    this.#local.clear()
    await settledWithin(stopped, CLOSE_GRACE_MS)
  }

  /** Hands each popped message to the local channels it names. */
  #route(entries: readonly PoppedEntry[], key: string): void {
    const { local, warnings } = this.#host
    for (const entry of entries) {
      const decoded = this.decode(entry, key)
      if (decoded === undefined) continue
      const { message, channels } = decoded
      const ageMs = Math.max(0, Date.now() - entry[1] * 1000)
      if (typeof channels === 'string') {
        if (local.deliver(channels, message, ageMs) === 'full') warnings.dropped(1, channels)
      } else if (channels !== undefined) {
        let full = 0
        // Members of one process share the decoded message, as the in-memory layer shares it.
        for (const channel of channels) if (local.deliver(channel, message, ageMs) === 'full') full++
        if (full > 0) warnings.dropped(full, key)
      }
    }
  }
}
