/**
 * The in-memory layer's group histories: one `HistoryLog` per group that
 * has history, made on first use and replaced by one with a new epoch once
 * it has been silent for its `ttl`.
 *
 * @module
 * @internal
 */

import type { LayerMessage } from '../types.js'
import { HistoryLog } from './history-log.js'
import { withPosition, type HistoryRule } from './history.js'

/**
 * The histories of one in-memory layer.
 *
 * @internal
 */
export class MemoryHistories {
  readonly #logs = new Map<string, { log: HistoryLog; ttlMs: number }>()

  /** Number of groups with a history. */
  get size(): number {
    return this.#logs.size
  }

  /** `group`'s history as of `now`: a new one (new epoch) when it had none or it expired. */
  logFor(group: string, rule: HistoryRule, now: number): HistoryLog {
    const held = this.#logs.get(group)
    if (held !== undefined && now - held.log.touchedAt < held.ttlMs) return held.log
    const log = new HistoryLog(rule[1], now)
    this.#logs.set(group, { log, ttlMs: rule[2] })
    return log
  }

  /** Appends `message` to `group`'s history; returns it as members get it, with its `__position`. */
  append(group: string, rule: HistoryRule, message: LayerMessage, now: number): LayerMessage {
    const log = this.logFor(group, rule, now)
    return log.append((offset) => withPosition(message, { group, epoch: log.epoch, offset }), now)
  }

  /** Drops the histories that have expired. */
  sweep(now: number): void {
    for (const [group, { log, ttlMs }] of this.#logs)
      if (now - log.touchedAt >= ttlMs) this.#logs.delete(group)
  }

  clear(): void {
    this.#logs.clear()
  }
}
