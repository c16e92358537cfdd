/**
 * Which method of a consumer handles a message type, decided once per
 * consumer class and type, so that a message can only ever reach a handler.
 *
 * A channel-layer message may come from any process, so its `type` is not
 * trusted to name a method: it reaches methods the application's own
 * consumer classes define, and the two layer handlers the base classes
 * provide (`layerReconnected`, `websocketFrame`), never the base classes'
 * machinery (`accept`, `send`, `close`, `dispatch` …) nor what every object
 * inherits (`constructor`, `toString` …), even where a subclass overrides
 * them. The server's own events (`websocket.receive` …) reach their base
 * class handlers only when they come from the server.
 *
 * @module
 */

import { ImproperlyConfigured, NoHandler } from '../errors.js'
import { handlerName } from './handler-name.js'
import type { StandardSchemaV1 } from './standard-schema.js'

/** How a message type reaches a consumer. */
export interface HandlerEntry {
  /** The method to call. */
  readonly name: string
  /** Why no method is called, or `undefined` when `name` is a handler. */
  readonly refusal: string | undefined
  /** Set for the server's events: a layer message of this type is refused. */
  readonly serverOnly: boolean
  /** The schema from the class's `messageSchemas` that messages of this type must pass. */
  readonly schema: StandardSchemaV1 | undefined
}

/** What a base class of the library declares about its methods. */
export interface BaseConsumerMethods {
  /** Methods handling the server's events (`websocketReceive` …). */
  serverEvents?: readonly string[]
  /** Methods the base class provides for layer messages (`websocketFrame`). */
  layerHandlers?: readonly string[]
}

interface BaseClassInfo {
  name: string
  serverEvents: ReadonlySet<string>
  layerHandlers: ReadonlySet<string>
}

const baseClasses = new Map<object, BaseClassInfo>()
const tables = new WeakMap<object, Map<string, HandlerEntry>>()
// Types come from a small vocabulary; the limit guards against a peer that
// invents a new type per message.
const TABLE_LIMIT = 1024
const last: { prototype: object | null; type: unknown; entry: HandlerEntry } = {
  prototype: null,
  type: undefined,
  entry: { name: '', refusal: 'none yet', serverOnly: false, schema: undefined },
}

/**
 * Declares a library consumer class: its own methods are machinery, except
 * those it names as handlers.
 *
 * @internal
 */
export function registerBaseConsumer(base: abstract new () => object, methods: BaseConsumerMethods): void {
  baseClasses.set(base.prototype as object, {
    name: base.name,
    serverEvents: new Set(methods.serverEvents),
    layerHandlers: new Set(methods.layerHandlers),
  })
}

/**
 * How messages of `type` reach instances whose prototype is `prototype`.
 * Throws `InvalidMessageType` for a type `handlerName()` refuses.
 *
 * @internal
 */
export function handlerEntry(prototype: object, type: unknown): HandlerEntry {
  // A broadcast hands one type to many consumers of one class in a row: the
  // last answer, kept aside, spares them the two map lookups.
  if (prototype === last.prototype && type === last.type) return last.entry
  const entry = lookUp(prototype, type)
  last.prototype = prototype
  last.type = type
  last.entry = entry
  return entry
}

function lookUp(prototype: object, type: unknown): HandlerEntry {
  let table = tables.get(prototype)
  if (table === undefined) tables.set(prototype, (table = new Map<string, HandlerEntry>()))
  const known = table.get(type as string)
  if (known !== undefined) return known
  const entry = { ...resolve(prototype, handlerName(type)), schema: schemaFor(prototype, type as string) }
  if (table.size < TABLE_LIMIT) table.set(type as string, entry)
  return entry
}

/**
 * The `NoHandler` for a message that has no handler on `consumer`.
 *
 * @internal
 */
export function noHandler(
  consumer: object,
  type: string,
  entry: HandlerEntry,
  fromLayer: boolean,
): NoHandler {
  const className = consumer.constructor.name
  const reason =
    entry.refusal ??
    (entry.serverOnly && fromLayer
      ? `${entry.name}() handles an event only the server sends, and this message came from the channel layer`
      : `it defines no method ${entry.name}(message)`)
  return new NoHandler(
    `${className} has no handler for message type '${type.slice(0, 100)}': ${reason}; ` +
      `define an async method '${entry.name}(message)' on it, under a name no base class uses.`,
    entry.name,
  )
}

/** The `messageSchemas` entry of the consumer class for `type`, checked to be a Standard Schema. */
function schemaFor(prototype: object, type: string): StandardSchemaV1 | undefined {
  const owner = prototype.constructor as { name: string; messageSchemas?: unknown }
  const schemas = owner.messageSchemas
  if (typeof schemas !== 'object' || schemas === null || !Object.hasOwn(schemas, type)) return undefined
  const schema = (schemas as Record<string, Partial<StandardSchemaV1> | null | undefined>)[type]
  if (schema === undefined) return undefined
  if (typeof schema?.['~standard']?.validate !== 'function') {
    throw new ImproperlyConfigured(
      `${owner.name}.messageSchemas['${type}'] is not a Standard Schema (a zod, valibot or arktype schema, ` +
        `or any object with a '~standard' validate function).`,
    )
  }
  return schema as StandardSchemaV1
}

type Resolved = Omit<HandlerEntry, 'schema'>

function resolve(prototype: object, name: string): Resolved {
  if (name === 'constructor') return refused(name, 'constructor is not a handler')
  // A name the library's classes (or every object) define is machinery,
  // whichever class in the chain defines it last.
  for (
    let level: object | null = prototype;
    level !== null;
    level = Object.getPrototypeOf(level) as object | null
  ) {
    const base = baseClasses.get(level)
    if (base === undefined && level !== Object.prototype) continue
    if (!Object.hasOwn(level, name)) continue
    if (base?.serverEvents.has(name)) return { name, refusal: undefined, serverOnly: true }
    if (base?.layerHandlers.has(name)) return { name, refusal: undefined, serverOnly: false }
    return refused(
      name,
      `${name} is ${base === undefined ? 'an Object' : `a ${base.name}`} method, not a message handler`,
    )
  }
  for (
    let level: object | null = prototype;
    level !== null;
    level = Object.getPrototypeOf(level) as object | null
  ) {
    if (baseClasses.has(level) || level === Object.prototype) break
    const descriptor = Object.getOwnPropertyDescriptor(level, name)
    if (descriptor === undefined) continue
    if (typeof descriptor.value === 'function') return { name, refusal: undefined, serverOnly: false }
    return refused(name, `${name} is not a method`)
  }
  return { name, refusal: undefined, serverOnly: false }
}

function refused(name: string, refusal: string): Resolved {
  return { name, refusal, serverOnly: false }
}
