/**
 * What every handler of one server shares: the application, the resolved
 * options, the logs, the observer, the application runner and the draining flag.
 *
 * @module
 */

import { AccessLog } from './access-log.js'
import { AppRunner } from './app-runner.js'
import type { ServerObserver } from './observer.js'
import { resolveOptions } from './options.js'
import { ConnectionIds, ServerLog } from './server-log.js'
import type { ResolvedOptions, ServeOptions } from './options.js'
import { ImproperlyConfigured } from '../errors.js'
import { assertApplication } from '../routing/assert-application.js'
import type { Application } from '../types.js'

/** Shared state of one server (or one `attach()`). @internal */
export interface ServerContext {
  readonly app: Application
  readonly options: ResolvedOptions
  readonly accessLog: AccessLog
  readonly runner: AppRunner
  /** The server's own messages, lines or records. */
  readonly log: ServerLog
  /** Ids for connections, named in their log records and messages. */
  readonly ids: ConnectionIds
  /** What measures the server, or `null`: every event site checks this once. */
  readonly observer: ServerObserver | null
  /** Set once shutdown starts: new connections are refused, responses close their connection. */
  draining: boolean
}

/**
 * Checks the application, resolves the options and builds the shared state
 * of a new server; `caller` names `serve()` or `attach()` in errors.
 * @internal
 */
export function createServerContext(app: Application, options: ServeOptions, caller: string): ServerContext {
  if (typeof app !== 'function') {
    throw new ImproperlyConfigured(`${caller} needs an application function, got ${typeof app}.`)
  }
  // A consumer class is a function too, but calling it as an application fails on every request.
  assertApplication(app, `The application given to ${caller}`)
  const resolved = resolveOptions(options)
  return {
    app,
    options: resolved,
    accessLog: new AccessLog(resolved.accessLog, resolved.structuredLogger),
    runner: new AppRunner(),
    log: new ServerLog(resolved.logger, resolved.structuredLogger),
    ids: new ConnectionIds(),
    observer: resolved.metrics ?? null,
    draining: false,
  }
}
