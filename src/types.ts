/**
 * The ASGI vocabulary in TypeScript: scopes, events, and the application
 * signature every router, middleware and consumer shares.
 *
 * Event `type` strings are the ASGI names verbatim, so the ASGI specification
 * documents them; fields are camelCase (`queryString`, `moreBody`).
 *
 * @module
 */

/**
 * Header pairs as `[name, value]`, names in lower case, in arrival order.
 * Read-only: the server shares frozen pairs between connections. Named apart
 * from the Fetch API's global `Headers`, which it is not.
 */
export type HeaderPairs = ReadonlyArray<readonly [string, string]>

/**
 * Header pairs, mutable: the old name of `HeaderPairs`.
 * @deprecated Use `HeaderPairs`: this name shadows the Fetch API's global `Headers` where it is imported.
 */
export type Headers = Array<[string, string]>

/** `[host, port]` of one end of a connection; the server shares one frozen pair between connections. */
export type HostPort = readonly [string, number]

/**
 * What routers matched: positional `args` and named `kwargs`, merged across
 * nesting levels. `args` is often one frozen empty array shared by every
 * scope, hence read-only.
 */
export interface UrlRoute<K extends object = Record<string, unknown>> {
  args: readonly unknown[]
  kwargs: K
}

/**
 * Fields your own middleware adds to a scope. Declare them here with
 * declaration merging and every consumer reads them with their type. A field
 * declared here replaces a built-in field of the same name
 * (`BuiltinScopeFields`), so an application whose own middleware sets
 * `scope.user` to its own user type declares `user` here, without a clash.
 *
 * @example
 * ```ts
 * interface Account {
 *   id: number
 *   name: string
 * }
 * declare module 'tschannels' {
 *   interface ScopeExtensions {
 *     tenant?: string
 *     user?: Account
 *   }
 * }
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ScopeExtensions {}

/**
 * The fields tschannels' own middleware adds (`cookies`, `session`, `user`,
 * `authError` …), each declared by the module that sets it. A field of the
 * same name in `ScopeExtensions` takes precedence.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface BuiltinScopeFields {}

/** The built-in fields, less those `ScopeExtensions` redeclares, plus `ScopeExtensions`. */
type ExtendedFields = Omit<BuiltinScopeFields, keyof ScopeExtensions> & ScopeExtensions

/** Fields every scope shares. */
export interface BaseScope extends ExtendedFields {
  /** Protocol versions, as ASGI's `asgi` key. */
  asgi?: { readonly version: string; readonly specVersion?: string }
  /** Filled by `URLRouter` with what its patterns matched. */
  urlRoute?: UrlRoute
  /** Per-application state shared by all connections (ASGI lifespan `state`). */
  state?: Record<string, unknown>
}

/** Fields shared by HTTP and WebSocket connection scopes. */
export interface ConnectionScope extends BaseScope {
  /** `'1.0'`, `'1.1'` or `'2'`. */
  httpVersion: string
  /** `http`/`https`, or `ws`/`wss` for WebSocket. */
  scheme: string
  /** The path, percent-decoded, without the root path. */
  path: string
  /** The path exactly as it was sent, still percent-encoded (`/foo%2Fbar`). */
  rawPath: string
  /** The query string as sent, without the `?`, not decoded. */
  queryString: string
  /** The mount point of the application, already removed from `path`. */
  rootPath: string
  headers: HeaderPairs
  /** The remote peer, when known. */
  client: HostPort | null
  /** This server's listening address, when known. */
  server: HostPort | null
}

/** One HTTP request. */
export interface HttpScope extends ConnectionScope {
  type: 'http'
  method: string
}

/** One WebSocket connection, from handshake to close. */
export interface WebsocketScope extends ConnectionScope {
  type: 'websocket'
  /** The subprotocols the client offered, in its order of preference (often a shared frozen array). */
  subprotocols: readonly string[]
}

/** A message arriving on a named channel of the channel layer (workers). */
export interface ChannelScope extends BaseScope {
  type: 'channel'
  /** The channel the message arrived on. */
  channel: string
}

/** Every scope a tschannels application may receive. */
export type Scope = HttpScope | WebsocketScope | ChannelScope

/** The scope `type` strings. */
export type ScopeType = Scope['type']

// ---------------------------------------------------------------- HTTP events

/** A chunk of the request body; `moreBody` is true until the last chunk. */
export interface HttpRequestEvent {
  type: 'http.request'
  body: Uint8Array
  moreBody: boolean
}

/** The client went away or the response is complete. */
export interface HttpDisconnectEvent {
  type: 'http.disconnect'
}

/** Starts the response: status and headers. */
export interface HttpResponseStartEvent {
  type: 'http.response.start'
  status: number
  headers?: HeaderPairs
}

/** A chunk of the response body; the response ends with `moreBody: false`. */
export interface HttpResponseBodyEvent {
  type: 'http.response.body'
  body?: Uint8Array
  moreBody?: boolean
}

// ----------------------------------------------------------- WebSocket events

/** The client asked to open the WebSocket; answer with accept or close. */
export interface WebsocketConnectEvent {
  type: 'websocket.connect'
}

/** Completes the handshake. */
export interface WebsocketAcceptEvent {
  type: 'websocket.accept'
  subprotocol?: string | null
  headers?: HeaderPairs
}

/** A frame from the client: exactly one of `text` and `bytes` is set. */
export interface WebsocketReceiveEvent {
  type: 'websocket.receive'
  text?: string | null
  bytes?: Uint8Array | null
}

/** A frame to the client: exactly one of `text` and `bytes` is set. */
export interface WebsocketSendEvent {
  type: 'websocket.send'
  text?: string | null
  bytes?: Uint8Array | null
}

/** Closes the connection (before accept: rejects the handshake with 403). */
export interface WebsocketCloseEvent {
  type: 'websocket.close'
  /** @default 1000 */
  code?: number
  reason?: string
}

/** The connection is gone, for whatever reason; `code` says which. */
export interface WebsocketDisconnectEvent {
  type: 'websocket.disconnect'
  code: number
  reason?: string
}

/** Instead of accepting: answer the handshake with an HTTP response (ASGI denial response). */
export interface WebsocketHttpResponseStartEvent {
  type: 'websocket.http.response.start'
  status: number
  headers?: HeaderPairs
}

/** The body of a denial response. */
export interface WebsocketHttpResponseBodyEvent {
  type: 'websocket.http.response.body'
  body?: Uint8Array
  moreBody?: boolean
}

// ------------------------------------------------------------------- unions

/** Events the server sends an HTTP application. */
export type HttpIncomingEvent = HttpRequestEvent | HttpDisconnectEvent
/** Events an HTTP application sends the server. */
export type HttpOutgoingEvent = HttpResponseStartEvent | HttpResponseBodyEvent
/** Events the server sends a WebSocket application. */
export type WebsocketIncomingEvent = WebsocketConnectEvent | WebsocketReceiveEvent | WebsocketDisconnectEvent
/** Events a WebSocket application sends the server. */
export type WebsocketOutgoingEvent =
  | WebsocketAcceptEvent
  | WebsocketSendEvent
  | WebsocketCloseEvent
  | WebsocketHttpResponseStartEvent
  | WebsocketHttpResponseBodyEvent

/** Every event of the HTTP and WebSocket protocols. */
export type AsgiEvent =
  HttpIncomingEvent | HttpOutgoingEvent | WebsocketIncomingEvent | WebsocketOutgoingEvent

/**
 * A message on the channel layer: any JSON-like object with a `type` that
 * names the consumer method handling it (`chat.message` → `chatMessage`).
 */
export interface LayerMessage {
  type: string
  [key: string]: unknown
}

/**
 * A message map: for each layer message `type` a consumer handles, the
 * fields the message carries besides `type`. Declare one per consumer
 * (`WebsocketConsumer<{ messages: ChatMessages }>`) and the compiler checks
 * that a handler exists for each type (`'chat.message'` → `chatMessage`) and
 * that `groupSend()` and `send()` are given only those types with those
 * fields.
 *
 * @example
 * ```ts
 * interface ChatMessages {
 *   'chat.message': { text: string; username: string }
 *   'user.joined': { username: string }
 * }
 * ```
 */
export type MessageMap = object

/**
 * The message map of a consumer or layer that declares none: any `type`,
 * any fields. Untyped code uses it, and keeps `LayerMessage` everywhere.
 */
export interface AnyMessages {
  [type: string]: { [field: string]: unknown }
}

/**
 * The layer message of type `K` in the message map `M`: `{ type: K }` and
 * its fields. Without `K`, any message of `M` (a union discriminated by
 * `type`); for `AnyMessages`, `LayerMessage`.
 *
 * @example
 * ```ts
 * interface ChatMessages {
 *   'chat.message': { text: string }
 * }
 * type ChatMessage = MessageOf<ChatMessages, 'chat.message'> // { type: 'chat.message'; text: string }
 * ```
 */
export type MessageOf<
  M extends MessageMap,
  K extends keyof M & string = keyof M & string,
> = string extends keyof M
  ? LayerMessage
  : {
      [T in K]: { [F in keyof ({ type: T } & Omit<M[T], 'type'>)]: ({ type: T } & Omit<M[T], 'type'>)[F] }
    }[K]

/** Anything an application receives or sends. */
export type Message = AsgiEvent | LayerMessage

/** Waits for the next event addressed to the application. */
export type Receive = () => Promise<Message>
/** Hands an event to the server (or the communicator in tests). */
export type Send = (message: Message) => Promise<void>

/**
 * A tschannels application: one call per connection, resolved when the
 * connection's work is done. Routers, middleware and consumers are all
 * applications.
 *
 * @example
 * ```ts
 * const hello: Application = async (scope, receive, send) => {
 *   await send({ type: 'http.response.start', status: 200, headers: [['content-type', 'text/plain']] })
 *   await send({ type: 'http.response.body', body: new TextEncoder().encode('hello') })
 * }
 * ```
 */
export type Application = (scope: Scope, receive: Receive, send: Send) => Promise<void>

/** A function from application to application: the shape of every middleware. */
export type Middleware = (inner: Application) => Application
