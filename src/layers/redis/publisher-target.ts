/**
 * Where a shard's publish-only connection may go: the address ioredis's
 * command connection is connected to right now, with its credentials, but
 * only for plain TCP without Sentinel. A TLS or Unix-socket shard, or one
 * behind Sentinel (whose master can move while a second connection stays on
 * the old one), keeps publishing through ioredis.
 *
 * @module
 * @internal
 */

import { Socket } from 'node:net'
import { TLSSocket } from 'node:tls'

import type { Redis } from 'ioredis'

import type { PublisherTarget } from './fast-publisher.js'

/**
 * The target for a publish-only connection beside `client`, or `undefined`
 * when it must not have one.
 *
 * @internal
 */
export function publisherTarget(client: Redis): PublisherTarget | undefined {
  const options = client.options
  if ((options.sentinels?.length ?? 0) > 0 || options.tls !== undefined || options.path !== undefined)
    return undefined
  const stream: unknown = client.stream
  if (!(stream instanceof Socket) || stream instanceof TLSSocket) return undefined
  const { remoteAddress: host, remotePort: port } = stream
  if (host === undefined || port === undefined) return undefined
  // ioredis keeps null for credentials that were not given, and '' for a URL with a password only.
  const username =
    typeof options.username === 'string' && options.username !== '' ? options.username : undefined
  const password = typeof options.password === 'string' ? options.password : undefined
  return { host, port, username, password }
}
