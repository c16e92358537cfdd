/**
 * tschannels: the Django Channels model for TypeScript on Node.js.
 *
 * The main entry holds everything an application is built from: routers,
 * middleware, consumers and channel layers. Test communicators live in
 * `tschannels/testing`, the protocol server in `tschannels/server`, and the
 * error classes also in `tschannels/errors`.
 *
 * @module
 */

/** Routing: every router is itself an Application. */
export { ProtocolTypeRouter, URLRouter, ChannelNameRouter, path, rePath } from './routing/index.js'
export type {
  Route,
  PathKwargs,
  RePathKwargs,
  RouteTarget,
  CheckedRoute,
  ConverterName,
  ConverterTypes,
} from './routing/index.js'

/** Middleware. */
export { BaseMiddleware } from './middleware/index.js'

/** Consumers: one instance per connection. */
export {
  Consumer,
  WebsocketConsumer,
  JsonWebsocketConsumer,
  HttpConsumer,
  handlerName,
  answerClientFrame,
  isRequest,
  replyTo,
} from './consumers/index.js'
export type {
  ConsumerClass,
  ConsumerInit,
  BodyChunk,
  HeadersInit,
  SendBodyOptions,
  ReceivedData,
  WebsocketData,
  WebsocketSendOptions,
  ConsumerApplication,
  ConsumerTypes,
  KwargsOf,
  MessageHandlers,
  MessagesOf,
  MessagesOfSchemas,
  ReservedHandlerName,
  HandlerName,
  ResponseHeaders,
  SchemaOutput,
  StandardSchemaIssue,
  StandardSchemaProps,
  StandardSchemaResult,
  StandardSchemaV1,
  ValidationIssue,
  ClientFrameOptions,
  ClientProtocolConsumer,
} from './consumers/index.js'

/** Channel layers. */
export {
  InMemoryChannelLayer,
  configureChannelLayers,
  getChannelLayer,
  resetChannelLayers,
  registerLayerBackend,
  DEFAULT_CHANNEL_LAYER,
  MAX_NAME_LENGTH,
  isValidChannelName,
  isValidGroupName,
  requireValidChannelName,
  requireValidGroupName,
  NO_HISTORY,
  POSITION_KEY,
} from './layers/index.js'
export type {
  GroupAddOptions,
  GroupHistoryConfig,
  GroupHistorySettings,
  GroupJoin,
  MessagePosition,
  StreamPosition,
  LayerPresence,
  PresenceEntry,
  PresenceEvent,
  PresenceInfo,
  ChannelLayer,
  ChannelLayerOptions,
  ChannelCapacity,
  ReceiveOptions,
  InMemoryChannelLayerOptions,
  ChannelLayerConfig,
  ChannelLayerSetting,
  ChannelLayersConfig,
  LayerBackendFactory,
  LayerBackendOptions,
} from './layers/index.js'

/** Workers: consume named channels (`tschannels worker`). */
export { runWorker } from './worker/index.js'
export type { RunWorkerOptions } from './worker/index.js'

/** Settings: read once at start-up, overridable from the environment. */
export { configureSettings, getSettings, resetSettings, requireSecretKey } from './settings.js'
export type { Settings, ConfigureSettingsOptions } from './settings.js'

/** Sessions. */
export {
  CookieMiddleware,
  SessionMiddleware,
  SessionMiddlewareStack,
  Session,
  DEFAULT_SESSION_AGE,
  InMemorySessionStore,
  SignedCookieSessionStore,
  createSessionHandoff,
  SessionHandoff,
  setCookie,
  deleteCookie,
} from './sessions/index.js'
export type {
  SessionMiddlewareOptions,
  SessionData,
  SessionStore,
  InMemorySessionStoreOptions,
  SignedCookieSessionStoreOptions,
  SessionHandoffCodeOptions,
  CookieOptions,
} from './sessions/index.js'

/** Authentication. */
export {
  AuthMiddleware,
  AuthMiddlewareStack,
  login,
  logout,
  getUser,
  updateSessionAuthHash,
  SESSION_USER_ID,
  SESSION_AUTH_HASH,
  LazyUser,
  AnonymousUser,
  InMemoryUserStore,
  authenticate,
  createUser,
  setPassword,
  LoginAttemptLimiter,
  hashPassword,
  verifyPassword,
  needsRehash,
  unusablePassword,
  UNUSABLE_PASSWORD_PREFIX,
  Pbkdf2Sha256Hasher,
  ScryptHasher,
  TokenAuthMiddleware,
  InMemoryTokenStore,
} from './auth/index.js'
export type {
  AuthMiddlewareOptions,
  AuthMiddlewareStackOptions,
  AnyUser,
  AuthenticatedUser,
  User,
  TokenUser,
  UserRecord,
  UserStore,
  NewUser,
  AuthenticateOptions,
  CreateUserOptions,
  LoginAttemptLimiterOptions,
  PasswordHasher,
  PasswordOptions,
  Pbkdf2HasherOptions,
  ScryptHasherOptions,
  TokenAuthMiddlewareOptions,
  TokenMiddlewareOptions,
  TokenSource,
  TokenSourceOptions,
  TokenStore,
} from './auth/index.js'

/** Security: origin checks, CSRF, rate limits, permissions. */
export {
  OriginValidator,
  AllowedHostsOriginValidator,
  DEBUG_LOCAL_HOSTS,
  WebsocketCsrfMiddleware,
  getCsrfToken,
  checkCsrfToken,
  CSRF_SESSION_KEY,
  RateLimitMiddleware,
  RATE_LIMIT_CLOSE_CODE,
  InMemoryRateLimitStore,
  groupPermissions,
  isAuthenticated,
  allowAny,
  denyAll,
} from './security/index.js'
export type {
  WebsocketCsrfMiddlewareOptions,
  RateLimitOptions,
  RateLimitStore,
  TokenBucket,
  TakeResult,
  GroupPermissions,
  PermissionCheck,
  PermissionRule,
} from './security/index.js'

/** Errors and control-flow signals. */
export {
  ChannelsError,
  StopConsumer,
  DenyConnection,
  AcceptConnection,
  ImproperlyConfigured,
  UnknownScopeType,
  RouteNotFound,
  InvalidMessageType,
  NoHandler,
  InvalidFrame,
  UnsupportedFrame,
  InvalidJson,
  InvalidEvent,
  InvalidChannelName,
  InvalidGroupName,
  ChannelFull,
  ReceiveCancelled,
  LayerClosed,
  LayerUnavailable,
  ForeignChannel,
  CommunicatorTimeout,
  ApplicationFinished,
  UnexpectedEvent,
  PermissionDenied,
  InvalidToken,
  TokenReuseDetected,
  RateLimited,
  TooManyLoginAttempts,
  UnknownPasswordHasher,
  UserExists,
  InvalidContent,
  InvalidLayerMessage,
  UnencodableMessage,
  MissingPeerDependency,
  RequestTimeout,
  ClientClosed,
  SendQueueFull,
} from './errors.js'
export type { ChannelsErrorCode } from './errors.js'

/** The ASGI vocabulary. */
export type {
  Application,
  Middleware,
  Receive,
  Send,
  Message,
  LayerMessage,
  AsgiEvent,
  Scope,
  ScopeType,
  ScopeExtensions,
  BaseScope,
  ConnectionScope,
  HttpScope,
  WebsocketScope,
  ChannelScope,
  Headers,
  HostPort,
  UrlRoute,
  HttpRequestEvent,
  HttpDisconnectEvent,
  HttpResponseStartEvent,
  HttpResponseBodyEvent,
  WebsocketConnectEvent,
  WebsocketAcceptEvent,
  WebsocketReceiveEvent,
  WebsocketSendEvent,
  WebsocketCloseEvent,
  WebsocketDisconnectEvent,
  WebsocketHttpResponseStartEvent,
  WebsocketHttpResponseBodyEvent,
  HttpIncomingEvent,
  HttpOutgoingEvent,
  WebsocketIncomingEvent,
  WebsocketOutgoingEvent,
  HeaderPairs,
  BuiltinScopeFields,
  MessageMap,
  AnyMessages,
  MessageOf,
} from './types.js'

/** Django interoperation that needs no optional package; the rest is in `tschannels/django`. */
export { BadSignature, SignatureExpired, ReadOnlyStore } from './errors.js'
export { Pbkdf2Sha1Hasher } from './auth/hashers/pbkdf2-hasher.js'
export type { DjangoChannelLayerConfig } from './layers/registry.js'
export type { SessionAuthScheme } from './auth/user-store.js'

/** Login attempts settled after the password check; caps on open connections; JSON depth. */
export type { LoginAttempt } from './auth/index.js'
export { ConnectionCapMiddleware, InMemoryConnectionSlots } from './security/index.js'
export type { ConnectionCapOptions, ConnectionSlot, ConnectionSlotStore } from './security/index.js'
export { JsonTooDeep } from './errors.js'

/** Time as layers and rate limits read it (tests pass their own). */
export type { Clock } from './util/clock.js'
export type { InMemoryRateLimitStoreOptions } from './security/memory-rate-limit-store.js'
