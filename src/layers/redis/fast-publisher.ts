/**
 * A connection that only PUBLISHes, written directly in RESP. The pub/sub
 * layer's round trip is bound by how fast one process can publish and read
 * back what Redis pushes; through ioredis, a tick's publishes cost a Command
 * with its argument encoding and promise even when gathered into one script
 * call, and measured as about a sixth of a round trip. Here a tick's
 * publishes are one buffer and one write, and the replies (`:<n>` or
 * `-<error>`, one line each) are matched to their senders in order.
 *
 * It is an accelerator, never the only way out: it serves a shard reached
 * over plain TCP without Sentinel, once its own handshake has succeeded, and
 * the layer falls back to ioredis whenever it is not ready.
 *
 * @module
 * @internal
 */

import { connect, type Socket } from 'node:net'

import { ReplyError as IoredisReplyError } from 'ioredis'

/** Where a fast publisher connects, and how it authenticates. @internal */
export interface PublisherTarget {
  host: string
  port: number
  username?: string | undefined
  password?: string | undefined
}

/** What settles one PUBLISH: nothing for success, an error for an error reply or a lost connection. */
type Settle = (error?: Error) => void

/** What a fast publisher tells its shard. @internal */
export interface PublisherEvents {
  /** The handshake succeeded: publishes may go through it now. */
  ready(): void
  /**
   * The connection is gone, once: `refused` when Redis turned the handshake
   * down (trying again would fail the same way).
   */
  closed(reason: string, refused: boolean): void
}

const CRLF = 0x0a
const HANDSHAKE_TIMEOUT_MS = 10_000
/** ioredis's error for an error reply (typed `any` there), so callers see one kind whichever connection answered. */
const ReplyError = IoredisReplyError as new (message: string) => Error
/** The AUTH errors of a Redis without a password (7.x and 5.x wordings). */
const NO_PASSWORD_NEEDED = /without any password configured|no password is set/
/** `*3\r\n$7\r\nPUBLISH\r\n`: the start of every command this connection sends. */
const PUBLISH_HEAD = Buffer.from('*3\r\n$7\r\nPUBLISH\r\n', 'latin1')

/**
 * One publish-only Redis connection.
 *
 * @internal
 */
export class FastPublisher {
  readonly #socket: Socket
  /** Settlers of the commands sent and not answered yet, oldest first. */
  #pending: Settle[] = []
  /** Index of the oldest unanswered settler in `#pending` (shifting an array per reply is slow). */
  #head = 0
  /** The part of a reply line that has not arrived in full yet. */
  #partial = ''
  #ready = false
  #closed = false
  /** Set by `end()`: called once every publish on its way has been answered. */
  #ended: (() => void) | undefined

  readonly #events: PublisherEvents

  /** Connects and authenticates; `events` hears when it is ready and when it is gone. */
  constructor(target: PublisherTarget, events: PublisherEvents) {
    this.#events = events
    const socket = connect({ host: target.host, port: target.port, noDelay: true })
    this.#socket = socket
    const handshake: Buffer[] = []
    if (target.password !== undefined) {
      const auth = target.username === undefined ? ['AUTH'] : ['AUTH', target.username]
      handshake.push(command([...auth, target.password]))
    }
    handshake.push(command(['CLIENT', 'SETNAME', 'tschannels-publisher']))
    let answered = 0
    for (let i = 0; i < handshake.length; i++) {
      this.#pending.push((error) => {
        // As ioredis does, a password Redis does not need is no reason to stop.
        if (error !== undefined && !NO_PASSWORD_NEEDED.test(error.message))
          this.#fail(`Redis refused its handshake: ${error.message}`, true)
        else if (++answered === handshake.length && !this.#closed) {
          socket.setTimeout(0)
          this.#ready = true
          events.ready()
        }
      })
    }
    socket.write(Buffer.concat(handshake))
    socket.on('data', (chunk: Buffer) => this.#onData(chunk))
    // Until it is ready, ioredis carries the publishes; a connection that never gets there is given up.
    socket.setTimeout(HANDSHAKE_TIMEOUT_MS, () => this.#fail('it did not connect in time', false))
    socket.on('error', (error) => this.#fail(error.message, false))
    socket.on('close', () => this.#fail('the connection closed', false))
  }

  /** Whether publishes may go through this connection now. */
  get ready(): boolean {
    return this.#ready
  }

  /**
   * Publishes each `[channel, payload]` pair of `args` (channel and payload
   * alternating) in one write; `settlers[i]` hears how the i-th ended.
   */
  publish(args: ReadonlyArray<string | Buffer>, settlers: readonly Settle[]): void {
    let size = 0
    for (let i = 0; i < args.length; i += 2) {
      size += PUBLISH_HEAD.length + bulkSize(args[i]!) + bulkSize(args[i + 1]!)
    }
    const out = Buffer.allocUnsafe(size)
    let at = 0
    for (let i = 0; i < args.length; i += 2) {
      at += PUBLISH_HEAD.copy(out, at)
      at = writeBulk(out, at, args[i]!)
      at = writeBulk(out, at, args[i + 1]!)
    }
    for (const settle of settlers) this.#pending.push(settle)
    this.#socket.write(out)
  }

  /** Closes the connection at once; unanswered publishes fail as if it had been lost. */
  close(): void {
    this.#fail('the connection was closed', false)
  }

  /**
   * Takes no more publishes and closes once those on their way are answered
   * (or the connection is lost), as QUIT does for ioredis's connections: a
   * layer closed right after a `send()` must not fail that send.
   */
  end(): Promise<void> {
    this.#ready = false
    if (this.#closed || this.#head === this.#pending.length) {
      this.close()
      return Promise.resolve()
    }
    return new Promise<void>((resolve) => {
      this.#ended = resolve
    })
  }

  #onData(chunk: Buffer): void {
    const text = this.#partial + chunk.toString('latin1')
    let start = 0
    for (;;) {
      const end = text.indexOf('\n', start)
      if (end === -1) break
      const settle = this.#pending[this.#head]
      if (settle === undefined) {
        // Redis never speaks unasked here: anything else means the stream is not what we think it is.
        this.#fail('Redis sent a reply nobody asked for', false)
        return
      }
      this.#pending[this.#head++] = noop
      settle(text.charCodeAt(start) === 0x2d ? new ReplyError(text.slice(start + 1, end - 1)) : undefined)
      start = end + 1
    }
    this.#partial = start === text.length ? '' : text.slice(start)
    if (this.#head === this.#pending.length) {
      if (this.#ended !== undefined) return this.close()
      this.#pending = []
      this.#head = 0
    } else if (this.#head > 1024) {
      this.#pending = this.#pending.slice(this.#head)
      this.#head = 0
    }
  }

  #fail(reason: string, refused: boolean): void {
    this.#ready = false
    if (this.#closed) return
    this.#closed = true
    this.#socket.destroy()
    const pending = this.#pending.slice(this.#head)
    this.#pending = []
    this.#head = 0
    // Not a ReplyError: a publish that was in flight counts as a connection failure (LayerUnavailable).
    const error = new Error(`The publishing connection to Redis was lost: ${reason}`)
    for (const settle of pending) settle(error)
    this.#ended?.()
    this.#events.closed(reason, refused)
  }
}

function noop(): void {}

/** The encoded size of one RESP bulk string holding `value`. */
function bulkSize(value: string | Buffer): number {
  const length = typeof value === 'string' ? Buffer.byteLength(value) : value.length
  return 1 + digits(length) + 2 + length + 2
}

function writeBulk(out: Buffer, at: number, value: string | Buffer): number {
  const length = typeof value === 'string' ? Buffer.byteLength(value) : value.length
  out[at++] = 0x24
  at += out.write(String(length), at, 'latin1')
  out[at++] = 0x0d
  out[at++] = CRLF
  at += typeof value === 'string' ? out.write(value, at) : value.copy(out, at)
  out[at++] = 0x0d
  out[at++] = CRLF
  return at
}

function digits(n: number): number {
  return n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : n < 10000 ? 4 : String(n).length
}

/** One command as a RESP array of bulk strings (the handshake's; not on the hot path). */
function command(parts: readonly string[]): Buffer {
  let size = 0
  for (const part of parts) size += bulkSize(part)
  const head = `*${parts.length}\r\n`
  const out = Buffer.allocUnsafe(head.length + size)
  let at = out.write(head, 0, 'latin1')
  for (const part of parts) at = writeBulk(out, at, part)
  return out
}
