/**
 * The application of the worker example, shared by the web process and the
 * worker process: WebSocket requests under `/ws/thumbnails/`, and the
 * `thumbnails` channel that `tschannels worker` consumes. Both processes
 * talk through Redis (`REDIS_URL`, default `redis://127.0.0.1:6379`).
 *
 * Run: `tschannels serve examples/worker/app.ts#application` and
 * `tschannels worker --app examples/worker/app.ts#application thumbnails`
 * (or `tsx examples/worker/worker.ts`).
 *
 * @module
 */

import { ChannelNameRouter, ProtocolTypeRouter, URLRouter, configureChannelLayers, path } from 'tschannels'
import 'tschannels/layers/redis'

import { ThumbnailRequestConsumer, ThumbnailWorker } from './consumers.js'

configureChannelLayers({
  default: {
    backend: 'redis',
    options: {
      hosts: [process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'],
      // Lets a test run the example beside others on one Redis.
      prefix: process.env.THUMBNAILS_PREFIX ?? 'thumbnails',
    },
  },
})

/** The whole example: WebSocket requests and the worker's channel. */
export const application = ProtocolTypeRouter({
  websocket: URLRouter([path('ws/thumbnails/', ThumbnailRequestConsumer.asApp())]),
  channel: ChannelNameRouter({ thumbnails: ThumbnailWorker.asApp() }),
})
