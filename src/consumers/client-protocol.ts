/**
 * The server's half of `tschannels/client`'s protocol: the heartbeat, the
 * `resume` that rejoins groups from the client's last positions, and
 * replies to requests. A consumer calls `answerClientFrame()` first thing
 * in `receiveJson()`; docs/client.md describes every frame.
 *
 * @module
 */

import { ImproperlyConfigured } from '../errors.js'
import { PONG_FRAME, REPLY_KEY, REQUEST_KEY, isRecord } from '../client/protocol.js'
import type { GroupRecovery, RequestFrame, StreamPosition } from '../client/protocol.js'

/**
 * What a consumer needs for the client protocol: `send()`, and for groups a
 * `groupAdd()` that takes a position (the consumers' own).
 */
export interface ClientProtocolConsumer {
  send(data: { text: string }): Promise<void>
  groupAdd?(group: string, options?: { since?: StreamPosition }): Promise<unknown>
}

/** Consumers that have had their `resume`: one per connection. */
const resumed = new WeakSet<ClientProtocolConsumer>()

/** Options of `answerClientFrame()`. */
export interface ClientFrameOptions {
  /**
   * The groups this connection reads, joined when the client's `resume`
   * frame arrives (from the client's position in each, when it has one).
   * Only these: the client's frame never picks a group.
   */
  groups: readonly string[]
}

/**
 * Answers the frames `ChannelsClient` sends on its own and tells whether
 * `content` was one of them (then the application has nothing to do with it):
 *
 * - `{"type":"ping"}` gets `{"type":"pong"}`;
 * - `{"type":"resume","positions":{…}}`, the first frame of every
 *   connection, joins each of `options.groups` with `groupAdd(group, { since })`
 *   and answers `{"type":"resumed","groups":{…}}` with what each join
 *   recovered (once per connection: a later `resume` is ignored). Join a
 *   group that has history here, not in `connect()`: a
 *   message sent between `connect()` and the resume would otherwise reach
 *   the client before the ones it missed.
 *
 * @example
 * ```ts body=JsonWebsocketConsumer
 * const content: unknown = { type: 'ping' }
 * if (await answerClientFrame(this, content, { groups: [] })) return
 * ```
 */
export async function answerClientFrame(
  consumer: ClientProtocolConsumer,
  content: unknown,
  options: ClientFrameOptions,
): Promise<boolean> {
  if (!isRecord(content)) return false
  if (content.type === 'ping') {
    await consumer.send({ text: PONG_FRAME })
    return true
  }
  if (content.type !== 'resume') return false
  // The client resumes once per connection; a second resume would queue the
  // history again past the channel's capacity, so it is not honoured.
  if (resumed.has(consumer)) return true
  resumed.add(consumer)
  const positions = isRecord(content.positions) ? content.positions : {}
  const groups: Record<string, GroupRecovery> = {}
  if (options.groups.length > 0 && !consumer.groupAdd) {
    throw new ImproperlyConfigured(
      "answerClientFrame() joins groups with the consumer's groupAdd(group, { since }), which it lacks.",
    )
  }
  const joined: Record<string, StreamPosition> = {}
  for (const group of options.groups) {
    const since = positionIn(positions, group)
    const recovery = recoveryOf(await consumer.groupAdd!(group, since ? { since } : {}))
    if (since) groups[group] = recovery
    else if (recovery.epoch) joined[group] = { epoch: recovery.epoch, offset: recovery.offset }
  }
  await consumer.send({ text: JSON.stringify({ type: 'resumed', groups, positions: joined }) })
  return true
}

/**
 * The reply to a `ChannelsClient.request()`: `value` with the request's id
 * under `__reply`, for `sendJson()`.
 *
 * @example
 * ```ts body=JsonWebsocketConsumer
 * const request = { type: 'room.members', __request: 7 }
 * await this.sendJson(replyTo(request, { members: ['ada', 'grace'] }))
 * ```
 */
export function replyTo<V extends object>(request: RequestFrame, value: V): V & { __reply: number | string } {
  return { ...value, [REPLY_KEY]: request[REQUEST_KEY] }
}

/** True for a frame sent by `ChannelsClient.request()`, which expects `replyTo()`'s answer. */
export function isRequest(content: unknown): content is RequestFrame {
  if (!isRecord(content)) return false
  const id = content[REQUEST_KEY]
  return typeof id === 'number' || typeof id === 'string'
}

/** A position the client claims, if well-formed; anything else resumes nothing. */
function positionIn(positions: Record<string, unknown>, group: string): StreamPosition | undefined {
  if (!Object.hasOwn(positions, group)) return undefined
  const position = positions[group]
  return isRecord(position) &&
    typeof position.epoch === 'string' &&
    Number.isSafeInteger(position.offset) &&
    (position.offset as number) >= 0
    ? { epoch: position.epoch, offset: position.offset as number }
    : undefined
}

/** What `groupAdd()` said, as the client reads it; a layer without history recovers nothing. */
function recoveryOf(join: unknown): GroupRecovery {
  if (isRecord(join) && typeof join.recovered === 'boolean') {
    return {
      recovered: join.recovered,
      epoch: typeof join.epoch === 'string' ? join.epoch : '',
      offset: typeof join.offset === 'number' ? join.offset : 0,
    }
  }
  return { recovered: false, epoch: '', offset: 0 }
}
