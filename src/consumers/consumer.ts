/**
 * `Consumer`: one instance per connection, dispatching every event it
 * receives, from the client or from the channel layer, to a method named
 * after the event's `type`.
 *
 * @module
 */

import { ImproperlyConfigured } from '../errors.js'
import type { InvalidLayerMessage } from '../errors.js'
import type { ChannelLayer } from '../layers/channel-layer.js'
import { getChannelLayer } from '../layers/registry.js'
import type { LayerMessage, Message, MessageOf, Receive, Scope, Send } from '../types.js'
import { rejectWith } from '../util/reject-with.js'
import { RESOLVED } from '../util/resolved.js'
import { warn } from '../util/warnings.js'
import { ClientPump } from './client-pump.js'
import type {
  ConsumerApplication,
  ConsumerTypes,
  HandlersCheck,
  KwargsOf,
  MessagesOf,
  RequiredKwargs,
  SchemasCheck,
  consumerTypes,
} from './consumer-types.js'
import { handlerEntry, noHandler, registerBaseConsumer } from './dispatch-table.js'
import { pumpChannel } from './layer-pump.js'
import { validateThenHandle } from './message-validation.js'
import type { ChannelPump } from './layer-pump.js'
import { DISPATCH, SerialDispatcher } from './serial-dispatcher.js'
import type { StandardSchemaV1 } from './standard-schema.js'

/** A constructor of consumers, as `asApp()` receives it through `this`. */
export type ConsumerClass<C extends object = Consumer> = new () => C

/**
 * What `asApp(options)` may set on each new instance: its writable data
 * properties (methods and read-only properties such as `channelName` are
 * left out; override methods in a subclass instead).
 */
export type ConsumerInit<C> = {
  [K in keyof C as K extends string ? (C[K] extends AnyFunction ? never : Writable<C, K>) : never]?: C[K]
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyFunction = (...args: any[]) => unknown

/** `K` when the property `K` of `C` is writable, otherwise `never`. */
type Writable<C, K extends keyof C> =
  (<T>() => T extends { [P in K]: C[K] } ? 1 : 2) extends <T>() => T extends { -readonly [P in K]: C[K] }
    ? 1
    : 2
    ? K
    : never

const NO_KWARGS: Readonly<Record<string, unknown>> = Object.freeze({})

/**
 * The base consumer. Subclass it and add one method per message type you
 * handle; `static asApp()` turns the class into an `Application` that makes one
 * instance per connection. When a channel layer is configured, each instance
 * gets its own channel (`this.channelName`) and receives what is sent to it
 * there, in the same loop as the client's events.
 *
 * `T` declares, for the compiler, the layer messages the consumer handles and
 * the kwargs its route captures (see `ConsumerTypes`); leave it out for an
 * untyped consumer.
 *
 * Channels' `AsyncConsumer.send(message)` is `baseSend(message)` here, because
 * the WebSocket and HTTP consumers give `send` a shape of their own.
 *
 * @example
 * ```ts
 * interface ThumbnailMessages {
 *   'thumbnail.create': { id: string }
 * }
 * declare function makeThumbnail(id: string): Promise<void>
 *
 * class Thumbnailer extends Consumer<{ messages: ThumbnailMessages }> {
 *   async thumbnailCreate(message: MessageOf<ThumbnailMessages, 'thumbnail.create'>) {
 *     await makeThumbnail(message.id)
 *   }
 * }
 * const application = ProtocolTypeRouter({
 *   channel: ChannelNameRouter({ thumbnails: Thumbnailer.asApp() }),
 * })
 * ```
 */
export class Consumer<T extends ConsumerTypes = ConsumerTypes> {
  /**
   * Schemas (zod, valibot, arktype or any Standard Schema) that messages of
   * some types must pass before their handler runs, by message type. A
   * message that fails goes to `invalidMessage()` instead. Read once per
   * type, when its first message arrives. Consumers without schemas pay
   * nothing for the feature. @default undefined
   *
   * @example
   * ```ts
   * import { z } from 'zod'
   *
   * const chatSchemas = { 'chat.message': z.object({ text: z.string().max(2000) }) }
   * class Room extends WebsocketConsumer<{ messages: MessagesOfSchemas<typeof chatSchemas> }> {
   *   static override messageSchemas = chatSchemas
   *   async chatMessage(message: MessageOf<MessagesOfSchemas<typeof chatSchemas>, 'chat.message'>) {
   *     await this.send({ text: message.text })
   *   }
   * }
   * ```
   */
  static messageSchemas: Readonly<Record<string, StandardSchemaV1>> | undefined = undefined

  /** For the compiler only: what `T` declares. */
  declare readonly [consumerTypes]?: T
  /** The alias of the channel layer to use, as given to `configureChannelLayers`. @default 'default' */
  channelLayerAlias = 'default'
  /** The connection's scope, set before the first handler runs. */
  scope!: Scope
  #send: Send | undefined
  #layer: ChannelLayer | null = null
  #channelName: string | undefined
  #pump: ChannelPump | undefined
  // Where the message being dispatched came from: the channel layer, or the server.
  #fromLayer = false

  /**
   * An `Application` that runs a fresh instance of this consumer for every
   * connection. `options` are assigned to each instance (Channels'
   * `as_asgi(**kwargs)`).
   *
   * @example
   * ```ts
   * URLRouter([path('ws/echo/', EchoConsumer.asApp({ channelLayerAlias: 'chat' }))])
   * ```
   */
  static asApp<K extends ConsumerClass<object>>(
    this: K & HandlersCheck<InstanceType<K>> & SchemasCheck<K>,
    options?: ConsumerInit<InstanceType<K>>,
  ): ConsumerApplication<RequiredKwargs<InstanceType<K>>> {
    // Not `async`: an async wrapper would stay suspended, with its own
    // promise and reactions, for the whole life of every connection.
    const app: ConsumerApplication<RequiredKwargs<InstanceType<K>>> = (scope, receive, send) => {
      try {
        // Only consumer classes inherit `asApp()`; `C` is kept loose so that a
        // consumer with a message map of its own type-checks here.
        const consumer = new this() as unknown as Consumer
        if (options !== undefined) Object.assign(consumer, options)
        return consumer.#run(scope, receive, send)
      } catch (error) {
        return rejectWith(error)
      }
    }
    // Stack traces and logs then name the consumer, not an anonymous arrow.
    Object.defineProperty(app, 'name', { value: this.name })
    return app
  }

  /**
   * The channel layer this consumer talks through.
   * @throws ImproperlyConfigured when no layer is configured under `channelLayerAlias`.
   */
  get channelLayer(): ChannelLayer<MessageOf<MessagesOf<T>>> {
    if (this.#layer === null) throw this.#noLayer('channelLayer')
    return this.#layer
  }

  /**
   * The kwargs the route captured (`scope.urlRoute.kwargs`), typed by `T`'s
   * `kwargs`: `this.kwargs.room` for `path('rooms/<slug:room>/', …)`.
   */
  get kwargs(): KwargsOf<T> {
    return (this.scope.urlRoute?.kwargs ?? NO_KWARGS) as KwargsOf<T>
  }

  /** Whether a channel layer is configured under `channelLayerAlias`. */
  get hasChannelLayer(): boolean {
    return this.#layer !== null
  }

  /**
   * This consumer's own channel: send to it (or add it to groups) to reach
   * this connection.
   * @throws ImproperlyConfigured when no layer is configured under `channelLayerAlias`.
   */
  get channelName(): string {
    if (this.#channelName === undefined) throw this.#noLayer('channelName')
    return this.#channelName
  }

  /** Sends an event to the server as it is (Channels' `base_send`). */
  baseSend(message: Message): Promise<void> {
    // Not `async`: this runs for every frame sent, and returning the server's
    // own promise saves a promise and a microtask hop each time.
    if (this.#send === undefined) {
      return Promise.reject(
        new ImproperlyConfigured(
          `${this.constructor.name} sent before it was running; create consumers through ${this.constructor.name}.asApp().`,
        ),
      )
    }
    return this.#send(message)
  }

  /**
   * Calls the handler for `message.type` (`chat.message` → `chatMessage`).
   * A message from the channel layer reaches only handler methods, never
   * the base classes' own (`accept`, `send`, `close` …); the server's events
   * (`websocket.receive` …) reach their handlers only from the server.
   * Override to intercept every message; call `super.dispatch` to keep the
   * routing.
   */
  dispatch(message: Message): Promise<void> {
    // Not `async`: the handler's own promise is returned as it is, which
    // saves a promise and a microtask hop on every message. Failures still
    // come back as a rejected promise, never as a synchronous throw.
    try {
      const entry = handlerEntry(Object.getPrototypeOf(this) as object, message.type)
      const handler: unknown =
        entry.refusal === undefined && !(entry.serverOnly && this.#fromLayer)
          ? Reflect.get(this, entry.name)
          : undefined
      if (typeof handler !== 'function') throw noHandler(this, message.type, entry, this.#fromLayer)
      if (entry.schema !== undefined) {
        return validateThenHandle(this, handler as (message: Message) => Promise<void>, message, entry.schema)
      }
      const result = (handler as (message: Message) => Promise<void> | void).call(this, message)
      // A handler written without `async` may return nothing: callers still get a promise.
      return result instanceof Promise ? result : RESOLVED
    } catch (error) {
      return rejectWith(error)
    }
  }

  /**
   * Called when the channel layer reconnected after an outage
   * (`{ type: 'layer.reconnected' }`): messages sent meanwhile may be lost.
   * The default does nothing; override it to resync, for example to reload
   * history the client missed.
   */
  async layerReconnected(_message: LayerMessage): Promise<void> {}

  /**
   * Called instead of the handler with a message that failed its
   * `messageSchemas` entry. The default drops it and emits the warning
   * `CHANNELS_WRN_050` naming the consumer, the type and the issues: a bad
   * message from another process never ends this connection. Override it to
   * log elsewhere, or throw to end the consumer.
   */
  async invalidMessage(error: InvalidLayerMessage): Promise<void> {
    warn('CHANNELS_WRN_050', error.message)
  }

  /**
   * How the dispatcher hands over a message, saying where it came from.
   * Messages are handled one at a time, so `#fromLayer` describes the
   * message `dispatch()` is handling, even in an override that awaits
   * before calling `super.dispatch()`.
   *
   * @internal
   */
  [DISPATCH](message: Message, fromLayer: boolean): Promise<void> {
    this.#fromLayer = fromLayer
    return this.dispatch(message)
  }

  /** Runs this instance for one connection until a handler throws `StopConsumer`. */
  #run(scope: Scope, receive: Receive, send: Send): Promise<void> {
    this.scope = scope
    this.#send = send
    const dispatcher = new SerialDispatcher(this)
    this.#layer = getChannelLayer(this.channelLayerAlias) ?? null
    if (this.#layer === null) {
      new ClientPump(receive, dispatcher, scope.type === 'channel').start()
      return dispatcher.finished
    }
    const layer = this.#layer
    // Chained rather than awaited, for the reason `asApp()` gives; once the
    // channel exists, only `dispatcher.finished` stays pending.
    layer.newChannel().then(
      (channel) => {
        this.#channelName = channel
        dispatcher.whenFinished(Consumer.#leaverOf(this))
        this.#pump = pumpChannel(layer, channel, dispatcher)
        new ClientPump(receive, dispatcher, scope.type === 'channel').start()
      },
      (error: unknown) => dispatcher.fail(error),
    )
    return dispatcher.finished
  }

  /**
   * `#leaveLayer` as a function of its own. Made here rather than as an
   * arrow inside `#run`, whose scopes (the layer, the receive function, the
   * channel) the arrow would keep alive for the connection's whole life.
   */
  static #leaverOf(consumer: Consumer): () => Promise<void> {
    return () => consumer.#leaveLayer()
  }

  /** Stops taking messages from the channel, and discards it. */
  #leaveLayer(): Promise<void> {
    const layer = this.#layer!
    const channel = this.#channelName!
    this.#pump?.stop()
    return layer.discardChannel(channel).catch((error: unknown) => {
      warn(
        'CHANNELS_WRN_001',
        `Could not discard channel ${channel} of ${this.constructor.name}: ${String(error)}`,
      )
    })
  }

  #noLayer(property: string): ImproperlyConfigured {
    return new ImproperlyConfigured(
      `${this.constructor.name}.${property} needs a channel layer, but none is configured under ` +
        `'${this.channelLayerAlias}'. Call configureChannelLayers({ ${this.channelLayerAlias}: { backend: 'memory' } }) ` +
        `at start-up, or set channelLayerAlias to a configured alias.`,
    )
  }
}

registerBaseConsumer(Consumer, { layerHandlers: ['layerReconnected'] })
