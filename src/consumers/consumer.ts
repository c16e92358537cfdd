/**
 * `Consumer`: one instance per connection, dispatching every event it
 * receives, from the client or from the channel layer, to a method named
 * after the event's `type`.
 *
 * @module
 */

import { ImproperlyConfigured, NoHandler } from '../errors.js'
import type { ChannelLayer } from '../layers/channel-layer.js'
import { getChannelLayer } from '../layers/registry.js'
import type { Application, LayerMessage, Message, Receive, Scope, Send } from '../types.js'
import { rejectWith } from '../util/reject-with.js'
import { RESOLVED } from '../util/resolved.js'
import { warn } from '../util/warnings.js'
import { ClientPump } from './client-pump.js'
import { handlerName } from './handler-name.js'
import { pumpChannel } from './layer-pump.js'
import type { ChannelPump } from './layer-pump.js'
import { SerialDispatcher } from './serial-dispatcher.js'

/** A constructor of consumers, as `asApp()` receives it through `this`. */
export type ConsumerClass<C extends Consumer = Consumer> = new () => C

/**
 * What `asApp(options)` may set on each new instance: its data properties
 * (methods are left out; override them in a subclass instead).
 */
export type ConsumerInit<C> = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  [K in keyof C as C[K] extends (...args: any[]) => unknown ? never : K]?: C[K]
}

// Methods of the base class itself can never be reached through a message type:
// a layer message of type `dispatch` would otherwise recurse forever.
const RESERVED_HANDLERS = new Set(['constructor', 'dispatch', 'baseSend'])

/**
 * The base consumer. Subclass it and add one method per message type you
 * handle; `static asApp()` turns the class into an `Application` that makes one
 * instance per connection. When a channel layer is configured, each instance
 * gets its own channel (`this.channelName`) and receives what is sent to it
 * there, in the same loop as the client's events.
 *
 * Channels' `AsyncConsumer.send(message)` is `baseSend(message)` here, because
 * the WebSocket and HTTP consumers give `send` a shape of their own.
 *
 * @example
 * ```ts
 * class Thumbnailer extends Consumer {
 *   async thumbnailCreate(message: LayerMessage) {
 *     await makeThumbnail(message.id as string)
 *   }
 * }
 * const application = ProtocolTypeRouter({
 *   channel: ChannelNameRouter({ thumbnails: Thumbnailer.asApp() }),
 * })
 * ```
 */
export class Consumer {
  /** The alias of the channel layer to use, as given to `configureChannelLayers`. @default 'default' */
  channelLayerAlias = 'default'
  /** The connection's scope, set before the first handler runs. */
  scope!: Scope
  #send: Send | undefined
  #layer: ChannelLayer | null = null
  #channelName: string | undefined
  #pump: ChannelPump | undefined

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
  static asApp<C extends Consumer>(this: ConsumerClass<C>, options?: ConsumerInit<C>): Application {
    // Not `async`: an async wrapper would stay suspended, with its own
    // promise and reactions, for the whole life of every connection.
    const app: Application = (scope, receive, send) => {
      try {
        const consumer = new this()
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
  get channelLayer(): ChannelLayer {
    if (this.#layer === null) throw this.#noLayer('channelLayer')
    return this.#layer
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
   * Override to intercept every message; call `super.dispatch` to keep the
   * routing.
   */
  dispatch(message: Message): Promise<void> {
    // Not `async`: the handler's own promise is returned as it is, which
    // saves a promise and a microtask hop on every message. Failures still
    // come back as a rejected promise, never as a synchronous throw.
    try {
      const name = handlerName(message.type)
      const handler: unknown = RESERVED_HANDLERS.has(name) ? undefined : Reflect.get(this, name)
      if (typeof handler !== 'function') {
        throw new NoHandler(
          `${this.constructor.name} has no handler for message type '${message.type}'; ` +
            `define an async method '${name}(message)' on it.`,
          name,
        )
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

  /** Runs this instance for one connection until a handler throws `StopConsumer`. */
  #run(scope: Scope, receive: Receive, send: Send): Promise<void> {
    this.scope = scope
    this.#send = send
    const dispatcher = new SerialDispatcher(this)
    this.#layer = getChannelLayer(this.channelLayerAlias) ?? null
    if (this.#layer === null) {
      new ClientPump(receive, dispatcher).start()
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
        new ClientPump(receive, dispatcher).start()
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
