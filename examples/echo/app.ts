/**
 * The echo example: `npm start` serves it at http://127.0.0.1:8000.
 *
 * @module
 */

import { ProtocolTypeRouter, URLRouter, path } from 'tschannels'

import { BroadcastConsumer, EchoConsumer } from './consumers.js'
import { PageConsumer } from './page.js'

/** The whole example as one application. */
export const application = ProtocolTypeRouter({
  http: URLRouter([path('', PageConsumer.asApp())]),
  websocket: URLRouter([
    path('ws/echo/', EchoConsumer.asApp()),
    path('ws/broadcast/<slug:room>/', BroadcastConsumer.asApp()),
  ]),
})
