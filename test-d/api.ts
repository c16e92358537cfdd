/**
 * Type tests for the public API: `npm run test:types` compiles this file;
 * every `@ts-expect-error` must point at a real error.
 */

import {
  BaseMiddleware,
  ChannelNameRouter,
  Consumer,
  JsonWebsocketConsumer,
  ProtocolTypeRouter,
  URLRouter,
  WebsocketConsumer,
  getChannelLayer,
  path,
} from 'tschannels'
import type { Application, ChannelLayer, Middleware, Scope } from 'tschannels'
import { WebsocketCommunicator } from 'tschannels/testing'

// A middleware is a function from application to application.
const logging: Middleware = (inner) => async (scope, receive, send) => inner(scope, receive, send)
const app: Application = logging(URLRouter([path('ws/', WebsocketConsumer.asApp())]))

// Routers return applications and take applications.
const router: Application = ProtocolTypeRouter({ websocket: app, channel: ChannelNameRouter({ jobs: app }) })
void router

// @ts-expect-error: ProtocolTypeRouter has no entry for an unknown protocol name.
ProtocolTypeRouter({ carrierPigeon: app })

// JsonWebsocketConsumer's type parameters type receiveJson and sendJson.
type In = { action: 'ping'; n: number }
type Out = { pong: number }
class Pinger extends JsonWebsocketConsumer<In, Out> {
  override async receiveJson(content: In): Promise<void> {
    const n: number = content.n
    await this.sendJson({ pong: n })
    // @ts-expect-error: Out has no field `ping`.
    await this.sendJson({ ping: n })
  }
}

// asApp() accepts the instance's data properties, and only those.
class Configurable extends WebsocketConsumer {
  room = 'lobby'
}
Configurable.asApp({ room: 'kitchen', channelLayerAlias: 'chat' })
// @ts-expect-error: `room` is a string.
Configurable.asApp({ room: 42 })
// @ts-expect-error: methods cannot be replaced through asApp().
Configurable.asApp({ receive: async () => {} })

// send() takes text or bytes.
class Sender extends WebsocketConsumer {
  override async connect(): Promise<void> {
    await this.accept()
    await this.send({ text: 'hi' })
    await this.send({ bytes: new Uint8Array([1]) })
    // @ts-expect-error: a frame is text or bytes, not both.
    await this.send({ text: 'hi', bytes: new Uint8Array([1]) })
    // @ts-expect-error: a bare string is not a frame.
    await this.send('hi')
  }
}

// The consumer's scope is narrowed to its protocol.
class ScopeReader extends WebsocketConsumer {
  override async connect(): Promise<void> {
    const subprotocols: readonly string[] = this.scope.subprotocols
    // @ts-expect-error: WebSocket scopes have no HTTP method.
    void this.scope.method
    await this.accept(subprotocols[0])
  }
}

// A wrong scope type is rejected.
// @ts-expect-error: 'smtp' is not a scope type.
const badScope: Scope = { type: 'smtp' }

// BaseMiddleware subclasses become applications.
class Tagging extends BaseMiddleware {}
const tagged: Application = Tagging.wrap(app)

// getChannelLayer may find nothing.
const layer = getChannelLayer()
// @ts-expect-error: the layer may be null.
void layer.send('x', { type: 'y' })
const sure: ChannelLayer | null = layer

// Communicators take applications.
const communicator = new WebsocketCommunicator(tagged, '/ws/')
void communicator.connect()

void [Pinger, Sender, ScopeReader, badScope, sure, Consumer]
