/**
 * Every error tschannels throws, one class per failure, each with a stable
 * `code` that is documented in `docs/errors.md` and never reused.
 *
 * Control-flow signals that applications throw on purpose (`StopConsumer`,
 * `DenyConnection`, `AcceptConnection`) live here too, as they do in Channels.
 *
 * @module
 */

/** Base class of every tschannels error. `code` is stable; the message may change. */
export class ChannelsError extends Error {
  static code: ChannelsErrorCode = 'CHANNELS_ERR_GENERIC'
  code: ChannelsErrorCode = 'CHANNELS_ERR_GENERIC'
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options)
    this.name = new.target.name
  }
}

// ------------------------------------------------------------ control flow

/**
 * Thrown inside a consumer handler to end the consumer cleanly: its loop stops
 * and its channel is discarded. The WebSocket and HTTP consumers throw it
 * themselves after a disconnect.
 */
export class StopConsumer extends ChannelsError {
  static override code = 'CHANNELS_ERR_STOP_CONSUMER' as const
  override code = 'CHANNELS_ERR_STOP_CONSUMER' as const
  constructor(message = 'The consumer asked to stop.', options?: ErrorOptions) {
    super(message, options)
  }
}

/**
 * Thrown from `connect()` to refuse a WebSocket: the consumer closes it, and a
 * handshake not yet accepted is answered with HTTP 403.
 */
export class DenyConnection extends ChannelsError {
  static override code = 'CHANNELS_ERR_DENY_CONNECTION' as const
  override code = 'CHANNELS_ERR_DENY_CONNECTION' as const
  constructor(message = 'The consumer denied the connection.', options?: ErrorOptions) {
    super(message, options)
  }
}

/** Thrown from `connect()` to accept a WebSocket without calling `accept()`. */
export class AcceptConnection extends ChannelsError {
  static override code = 'CHANNELS_ERR_ACCEPT_CONNECTION' as const
  override code = 'CHANNELS_ERR_ACCEPT_CONNECTION' as const
  constructor(message = 'The consumer accepted the connection.', options?: ErrorOptions) {
    super(message, options)
  }
}

// ---------------------------------------------------------- configuration

/** A setting or option has a value tschannels cannot work with; the message names it and the fix. */
export class ImproperlyConfigured extends ChannelsError {
  static override code = 'CHANNELS_ERR_IMPROPERLY_CONFIGURED' as const
  override code = 'CHANNELS_ERR_IMPROPERLY_CONFIGURED' as const
}

// ---------------------------------------------------------------- routing

/** `ProtocolTypeRouter` got a scope type it has no application for. */
export class UnknownScopeType extends ChannelsError {
  static override code = 'CHANNELS_ERR_UNKNOWN_SCOPE_TYPE' as const
  override code = 'CHANNELS_ERR_UNKNOWN_SCOPE_TYPE' as const
  /** The scope type that had no application. */
  readonly scopeType: string
  constructor(scopeType: string, known: readonly string[]) {
    super(
      `No application configured for scope type '${scopeType}'. ` +
        `ProtocolTypeRouter knows: ${known.length > 0 ? known.map((t) => `'${t}'`).join(', ') : 'nothing'}; ` +
        `add a '${scopeType}' entry to route it.`,
    )
    this.scopeType = scopeType
  }
}

/**
 * No route matched the path (or channel). The server answers 404 for HTTP
 * and for a WebSocket handshake.
 */
export class RouteNotFound extends ChannelsError {
  static override code = 'CHANNELS_ERR_ROUTE_NOT_FOUND' as const
  override code = 'CHANNELS_ERR_ROUTE_NOT_FOUND' as const
  /** The HTTP status the server answers with. */
  readonly status = 404
}

// --------------------------------------------------------------- consumers

/** A message `type` cannot name a handler (empty, or starts with `_` or `.`). */
export class InvalidMessageType extends ChannelsError {
  static override code = 'CHANNELS_ERR_INVALID_MESSAGE_TYPE' as const
  override code = 'CHANNELS_ERR_INVALID_MESSAGE_TYPE' as const
}

/** A consumer has no method for a message type it received. */
export class NoHandler extends ChannelsError {
  static override code = 'CHANNELS_ERR_NO_HANDLER' as const
  override code = 'CHANNELS_ERR_NO_HANDLER' as const
  /** The method name that was looked for. */
  readonly handlerName: string
  constructor(message: string, handlerName: string) {
    super(message)
    this.handlerName = handlerName
  }
}

/**
 * A WebSocket frame a JSON consumer cannot use. `closeCode` is what the
 * default `invalidFrame()` closes with.
 */
export class InvalidFrame extends ChannelsError {
  static override code: InvalidFrame['code'] = 'CHANNELS_ERR_INVALID_FRAME'
  override code:
    | 'CHANNELS_ERR_INVALID_FRAME'
    | 'CHANNELS_ERR_UNSUPPORTED_FRAME'
    | 'CHANNELS_ERR_INVALID_JSON'
    | 'CHANNELS_ERR_INVALID_CONTENT'
    | 'CHANNELS_ERR_JSON_TOO_DEEP' = 'CHANNELS_ERR_INVALID_FRAME'
  readonly closeCode: number = 1008
}

/** A binary frame reached a consumer that only speaks text (JSON); closes with 1003. */
export class UnsupportedFrame extends InvalidFrame {
  static override code = 'CHANNELS_ERR_UNSUPPORTED_FRAME' as const
  override code = 'CHANNELS_ERR_UNSUPPORTED_FRAME' as const
  override readonly closeCode = 1003
}

/** A text frame is not valid JSON; closes with 1007. */
export class InvalidJson extends InvalidFrame {
  static override code = 'CHANNELS_ERR_INVALID_JSON' as const
  override code = 'CHANNELS_ERR_INVALID_JSON' as const
  override readonly closeCode = 1007
}

/**
 * An application sent an event that its protocol does not allow at that
 * point (a `websocket.send` before `websocket.accept`, a second response
 * start). Names the event and what was expected.
 */
export class InvalidEvent extends ChannelsError {
  static override code = 'CHANNELS_ERR_INVALID_EVENT' as const
  override code = 'CHANNELS_ERR_INVALID_EVENT' as const
}

// ----------------------------------------------------------- channel layer

/** A channel name breaks the naming rule; the message states the rule. */
export class InvalidChannelName extends ChannelsError {
  static override code = 'CHANNELS_ERR_INVALID_CHANNEL_NAME' as const
  override code = 'CHANNELS_ERR_INVALID_CHANNEL_NAME' as const
}

/** A group name breaks the naming rule; the message states the rule. */
export class InvalidGroupName extends ChannelsError {
  static override code = 'CHANNELS_ERR_INVALID_GROUP_NAME' as const
  override code = 'CHANNELS_ERR_INVALID_GROUP_NAME' as const
}

/** `send()` found the target channel at capacity; the message was not queued. */
export class ChannelFull extends ChannelsError {
  static override code = 'CHANNELS_ERR_CHANNEL_FULL' as const
  override code = 'CHANNELS_ERR_CHANNEL_FULL' as const
}

/** A pending `receive()` ended because its channel was discarded or its layer closed. */
export class ReceiveCancelled extends ChannelsError {
  static override code = 'CHANNELS_ERR_RECEIVE_CANCELLED' as const
  override code = 'CHANNELS_ERR_RECEIVE_CANCELLED' as const
}

/** The layer was closed with `close()`; create or fetch a new one. */
export class LayerClosed extends ChannelsError {
  static override code = 'CHANNELS_ERR_LAYER_CLOSED' as const
  override code = 'CHANNELS_ERR_LAYER_CLOSED' as const
}

/**
 * A Redis layer could not reach Redis for a call that needs it (a `send` to
 * a channel of another process, a `groupAdd`). Local traffic keeps flowing
 * and the layer reconnects on its own; retry later.
 */
export class LayerUnavailable extends ChannelsError {
  static override code = 'CHANNELS_ERR_LAYER_UNAVAILABLE' as const
  override code = 'CHANNELS_ERR_LAYER_UNAVAILABLE' as const
}

/**
 * `receive()` on a process-local channel (`name!local`) that another
 * process or layer instance created: only its owner may read it, or it
 * would take that process's messages.
 */
export class ForeignChannel extends ChannelsError {
  static override code = 'CHANNELS_ERR_FOREIGN_CHANNEL' as const
  override code = 'CHANNELS_ERR_FOREIGN_CHANNEL' as const
}

// ----------------------------------------------------------------- testing

/** A communicator waited longer than its timeout for the application. */
export class CommunicatorTimeout extends ChannelsError {
  static override code = 'CHANNELS_ERR_COMMUNICATOR_TIMEOUT' as const
  override code = 'CHANNELS_ERR_COMMUNICATOR_TIMEOUT' as const
}

/** A communicator waited for an event, but the application had already returned without sending it. */
export class ApplicationFinished extends ChannelsError {
  static override code = 'CHANNELS_ERR_APPLICATION_FINISHED' as const
  override code = 'CHANNELS_ERR_APPLICATION_FINISHED' as const
}

/** The application sent an event other than the one a communicator method expects; the message names both. */
export class UnexpectedEvent extends ChannelsError {
  static override code = 'CHANNELS_ERR_UNEXPECTED_EVENT' as const
  override code = 'CHANNELS_ERR_UNEXPECTED_EVENT' as const
  /** The event that arrived instead. */
  readonly event: unknown
  constructor(message: string, event: unknown) {
    super(message)
    this.event = event
  }
}

// ------------------------------------------------- auth and security

/**
 * The user may not do what was asked (join a room, read a group). Consumers
 * close with `closeCode` 4403 after accept; HTTP answers `status` 403.
 */
export class PermissionDenied extends ChannelsError {
  static override code = 'CHANNELS_ERR_PERMISSION_DENIED' as const
  override code = 'CHANNELS_ERR_PERMISSION_DENIED' as const
  readonly closeCode = 4403
  readonly status = 403
}

/**
 * A token (JWT or opaque) was missing, malformed, expired, forged or
 * revoked. `reason` says which in one word; the token itself never appears
 * in the message. Closes with `closeCode` 4401; HTTP answers `status` 401.
 */
export class InvalidToken extends ChannelsError {
  static override code: InvalidToken['code'] = 'CHANNELS_ERR_INVALID_TOKEN'
  override code: 'CHANNELS_ERR_INVALID_TOKEN' | 'CHANNELS_ERR_TOKEN_REUSE_DETECTED' =
    'CHANNELS_ERR_INVALID_TOKEN'
  readonly closeCode = 4401
  readonly status = 401
  /** `missing`, `malformed`, `expired`, `not-yet-valid`, `invalid`, `revoked`, `unknown-user`, `inactive-user`. */
  readonly reason: string
  constructor(message = 'The token is not valid.', reason = 'invalid', options?: ErrorOptions) {
    super(message, options)
    this.reason = reason
  }
}

/**
 * A refresh token that was already used came back: someone holds a copy, so
 * the whole token family is revoked and the user must log in again.
 */
export class TokenReuseDetected extends InvalidToken {
  static override code = 'CHANNELS_ERR_TOKEN_REUSE_DETECTED' as const
  override code = 'CHANNELS_ERR_TOKEN_REUSE_DETECTED' as const
  constructor(
    message = 'A refresh token was used twice; its token family is revoked.',
    options?: ErrorOptions,
  ) {
    super(message, 'revoked', options)
  }
}

/**
 * A rate limit was exceeded. A WebSocket is closed with `closeCode` 4429 (or
 * its handshake answered 429); HTTP answers `status` 429. `retryAfter` is in
 * seconds.
 */
export class RateLimited extends ChannelsError {
  static override code: RateLimited['code'] = 'CHANNELS_ERR_RATE_LIMITED'
  override code: 'CHANNELS_ERR_RATE_LIMITED' | 'CHANNELS_ERR_TOO_MANY_LOGIN_ATTEMPTS' =
    'CHANNELS_ERR_RATE_LIMITED'
  readonly closeCode = 4429
  readonly status = 429
  /** Seconds until another attempt may succeed. */
  readonly retryAfter: number
  constructor(message = 'Too many requests; slow down.', retryAfter = 1, options?: ErrorOptions) {
    super(message, options)
    this.retryAfter = retryAfter
  }
}

/** Too many failed logins for one username or address; `retryAfter` is in seconds. */
export class TooManyLoginAttempts extends RateLimited {
  static override code = 'CHANNELS_ERR_TOO_MANY_LOGIN_ATTEMPTS' as const
  override code = 'CHANNELS_ERR_TOO_MANY_LOGIN_ATTEMPTS' as const
}

/** A password hash is in a format no configured hasher understands. */
export class UnknownPasswordHasher extends ChannelsError {
  static override code = 'CHANNELS_ERR_UNKNOWN_PASSWORD_HASHER' as const
  override code = 'CHANNELS_ERR_UNKNOWN_PASSWORD_HASHER' as const
}

/** A user store refused a new user because the username is taken. */
export class UserExists extends ChannelsError {
  static override code = 'CHANNELS_ERR_USER_EXISTS' as const
  override code = 'CHANNELS_ERR_USER_EXISTS' as const
}

// ----------------------------------------------------------------- django

/**
 * A value signed with `django.core.signing` (a session, a cookie, a token)
 * does not verify with the secret key or any fallback key, or is not in
 * Django's format.
 */
export class BadSignature extends ChannelsError {
  static override code: BadSignature['code'] = 'CHANNELS_ERR_BAD_SIGNATURE'
  override code: 'CHANNELS_ERR_BAD_SIGNATURE' | 'CHANNELS_ERR_SIGNATURE_EXPIRED' =
    'CHANNELS_ERR_BAD_SIGNATURE'
}

/** A signed value verified but is older than the `maxAge` it was checked with. */
export class SignatureExpired extends BadSignature {
  static override code = 'CHANNELS_ERR_SIGNATURE_EXPIRED' as const
  override code = 'CHANNELS_ERR_SIGNATURE_EXPIRED' as const
}

/**
 * A store opened read-only (the default for Django's tables) was asked to
 * write: a session save, a new token, a password change. Nothing was written.
 */
export class ReadOnlyStore extends ChannelsError {
  static override code = 'CHANNELS_ERR_READ_ONLY_STORE' as const
  override code = 'CHANNELS_ERR_READ_ONLY_STORE' as const
}

/**
 * A JSON frame nests arrays and objects deeper than the consumer's
 * `maxJsonDepth`; closes with 1009. Refused on arrival, because encoding such
 * a value again (an echo, a broadcast) would overflow the stack.
 */
export class JsonTooDeep extends InvalidFrame {
  static override code = 'CHANNELS_ERR_JSON_TOO_DEEP' as const
  override code = 'CHANNELS_ERR_JSON_TOO_DEEP' as const
  override readonly closeCode = 1009
}

// -------------------------------------------------- validation and codes

/**
 * Decoded JSON content that the consumer's `frameSchema` refused; closes
 * with 1007 (data inconsistent with the message). `issues` say what was
 * wrong, as `{ path, message }` records safe to send back to the client.
 */
export class InvalidContent extends InvalidFrame {
  static override code = 'CHANNELS_ERR_INVALID_CONTENT' as const
  override code = 'CHANNELS_ERR_INVALID_CONTENT' as const
  override readonly closeCode = 1007
  /** What the schema found wrong, at most 20 issues. */
  readonly issues: ReadonlyArray<{ readonly path: string; readonly message: string }>
  constructor(
    message: string,
    issues: ReadonlyArray<{ readonly path: string; readonly message: string }>,
    options?: ErrorOptions,
  ) {
    super(message, options)
    this.issues = issues
  }
}

/**
 * A channel-layer message that the consumer's `messageSchemas` entry for its
 * type refused; it never reaches the handler. `issues` say what was wrong.
 */
export class InvalidLayerMessage extends ChannelsError {
  static override code = 'CHANNELS_ERR_INVALID_LAYER_MESSAGE' as const
  override code = 'CHANNELS_ERR_INVALID_LAYER_MESSAGE' as const
  /** The `type` of the refused message. */
  readonly messageType: string
  /** What the schema found wrong, at most 20 issues. */
  readonly issues: ReadonlyArray<{ readonly path: string; readonly message: string }>
  constructor(
    message: string,
    messageType: string,
    issues: ReadonlyArray<{ readonly path: string; readonly message: string }>,
    options?: ErrorOptions,
  ) {
    super(message, options)
    this.messageType = messageType
    this.issues = issues
  }
}

// ----------------------------------------------------------------- client

/** `ChannelsClient.request()` got no reply within its timeout; the request may or may not have been handled. */
export class RequestTimeout extends ChannelsError {
  static override code = 'CHANNELS_ERR_REQUEST_TIMEOUT' as const
  override code = 'CHANNELS_ERR_REQUEST_TIMEOUT' as const
}

/** `ChannelsClient` was closed (by `close()` or a final close code) before the value could be sent or answered. */
export class ClientClosed extends ChannelsError {
  static override code = 'CHANNELS_ERR_CLIENT_CLOSED' as const
  override code = 'CHANNELS_ERR_CLIENT_CLOSED' as const
}

/** `ChannelsClient.send()` while disconnected found `queueLimit` values already waiting. */
export class SendQueueFull extends ChannelsError {
  static override code = 'CHANNELS_ERR_SEND_QUEUE_FULL' as const
  override code = 'CHANNELS_ERR_SEND_QUEUE_FULL' as const
}

// ------------------------------------------------------- optional packages

/**
 * A part of tschannels needs an optional peer package (`ioredis`, `pg`,
 * `jose`, `better-sqlite3`, `@msgpack/msgpack`, `mysql2`, `hash-wasm`) that
 * is not installed; `packageName` names it and the message gives the
 * install command.
 */
export class MissingPeerDependency extends ChannelsError {
  static override code = 'CHANNELS_ERR_MISSING_PEER_DEPENDENCY' as const
  override code = 'CHANNELS_ERR_MISSING_PEER_DEPENDENCY' as const
  /** The npm package to install. */
  readonly packageName: string
  constructor(packageName: string, feature: string, options?: ErrorOptions) {
    super(
      `${feature} needs the optional package '${packageName}', which is not installed. ` +
        `Install it next to tschannels: npm install ${packageName}`,
      options,
    )
    this.packageName = packageName
  }
}

/**
 * Every `code` a tschannels error carries: `error.code` is typed with it,
 * so a comparison with a misspelt code does not compile.
 */
export type ChannelsErrorCode =
  | 'CHANNELS_ERR_ACCEPT_CONNECTION'
  | 'CHANNELS_ERR_APPLICATION_FINISHED'
  | 'CHANNELS_ERR_BAD_SIGNATURE'
  | 'CHANNELS_ERR_CHANNEL_FULL'
  | 'CHANNELS_ERR_CLIENT_CLOSED'
  | 'CHANNELS_ERR_COMMUNICATOR_TIMEOUT'
  | 'CHANNELS_ERR_DENY_CONNECTION'
  | 'CHANNELS_ERR_FOREIGN_CHANNEL'
  | 'CHANNELS_ERR_GENERIC'
  | 'CHANNELS_ERR_IMPROPERLY_CONFIGURED'
  | 'CHANNELS_ERR_INVALID_CHANNEL_NAME'
  | 'CHANNELS_ERR_INVALID_CONTENT'
  | 'CHANNELS_ERR_INVALID_EVENT'
  | 'CHANNELS_ERR_INVALID_FRAME'
  | 'CHANNELS_ERR_INVALID_GROUP_NAME'
  | 'CHANNELS_ERR_INVALID_JSON'
  | 'CHANNELS_ERR_INVALID_LAYER_MESSAGE'
  | 'CHANNELS_ERR_INVALID_MESSAGE_TYPE'
  | 'CHANNELS_ERR_INVALID_TOKEN'
  | 'CHANNELS_ERR_JSON_TOO_DEEP'
  | 'CHANNELS_ERR_LAYER_CLOSED'
  | 'CHANNELS_ERR_LAYER_UNAVAILABLE'
  | 'CHANNELS_ERR_MISSING_PEER_DEPENDENCY'
  | 'CHANNELS_ERR_NO_HANDLER'
  | 'CHANNELS_ERR_PERMISSION_DENIED'
  | 'CHANNELS_ERR_RATE_LIMITED'
  | 'CHANNELS_ERR_READ_ONLY_STORE'
  | 'CHANNELS_ERR_RECEIVE_CANCELLED'
  | 'CHANNELS_ERR_REQUEST_TIMEOUT'
  | 'CHANNELS_ERR_ROUTE_NOT_FOUND'
  | 'CHANNELS_ERR_SEND_QUEUE_FULL'
  | 'CHANNELS_ERR_SIGNATURE_EXPIRED'
  | 'CHANNELS_ERR_STOP_CONSUMER'
  | 'CHANNELS_ERR_TOKEN_REUSE_DETECTED'
  | 'CHANNELS_ERR_TOO_MANY_LOGIN_ATTEMPTS'
  | 'CHANNELS_ERR_UNENCODABLE_MESSAGE'
  | 'CHANNELS_ERR_UNEXPECTED_EVENT'
  | 'CHANNELS_ERR_UNKNOWN_PASSWORD_HASHER'
  | 'CHANNELS_ERR_UNKNOWN_SCOPE_TYPE'
  | 'CHANNELS_ERR_UNSUPPORTED_FRAME'
  | 'CHANNELS_ERR_USER_EXISTS'

/**
 * A channel layer message cannot be written in the Redis layers' wire
 * format (msgpack): a function, a symbol, a cycle, an integer beyond 64
 * bits. Nothing was sent.
 */
export class UnencodableMessage extends ChannelsError {
  static override code = 'CHANNELS_ERR_UNENCODABLE_MESSAGE' as const
  override code = 'CHANNELS_ERR_UNENCODABLE_MESSAGE' as const
}
