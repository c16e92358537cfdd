/**
 * A room's messages, merged by id. History pages, live messages and the
 * catch-up after a reconnect overlap freely; keying by id makes every merge
 * idempotent and keeps the order the server's, whatever order they arrive in.
 *
 * @module
 */

import type { ChatMessage } from './types.js'

export class Timeline {
  readonly #byId = new Map<number, ChatMessage>()
  #sorted: ChatMessage[] = []
  /** False once a history page came back short: there is nothing older to load. */
  hasOlder = true

  /** Adds messages; returns those that were new. */
  merge(messages: readonly ChatMessage[]): ChatMessage[] {
    const added: ChatMessage[] = []
    for (const message of messages) {
      if (this.#byId.has(message.id)) continue
      this.#byId.set(message.id, message)
      added.push(message)
    }
    if (added.length > 0) this.#sorted = [...this.#byId.values()].sort((a, b) => a.id - b.id)
    return added
  }

  /** Oldest first. */
  get messages(): readonly ChatMessage[] {
    return this.#sorted
  }

  get oldestId(): number | undefined {
    return this.#sorted[0]?.id
  }

  get newestId(): number | undefined {
    return this.#sorted.at(-1)?.id
  }

  get size(): number {
    return this.#sorted.length
  }
}
