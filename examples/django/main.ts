/**
 * Serves the example's tschannels app with the same settings as the Django
 * site beside it:
 *
 * ```sh
 * export SECRET_KEY=… DATABASE_URL=sqlite:////abs/path/examples/django/site/db.sqlite3 REDIS_URL=redis://127.0.0.1:6379
 * npx tschannels serve examples/django/main.ts#application --port 8001
 * ```
 *
 * @module
 */

import { configureChannelLayers } from 'tschannels'
import 'tschannels/layers/redis'
import { DjangoSite } from 'tschannels/django'

import { createApplication } from './app.js'

// The very dict the Django site's settings.py holds.
configureChannelLayers({
  default: {
    BACKEND: 'channels_redis.core.RedisChannelLayer',
    CONFIG: {
      hosts: [process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'],
      prefix: process.env.CHANNEL_PREFIX ?? 'asgi',
    },
  },
})

/** The app, on the Django site of DATABASE_URL, SECRET_KEY and SESSION_ENGINE. */
export const application = createApplication(new DjangoSite())
