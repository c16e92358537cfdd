/**
 * Liveness and readiness probes, answered before the application sees the
 * request: `GET <healthPath>` says the process serves (200); `GET
 * <healthPath>/ready` says whether it should get traffic: 503 while the
 * server drains, or while a channel layer in use cannot reach Redis (a
 * consumer there could not join a group or send). Probes are not written
 * to the access log: a probe every few seconds would drown it.
 *
 * @module
 */

import type { IncomingMessage, ServerResponse } from 'node:http'

import { builtChannelLayers, getChannelLayer } from '../layers/registry.js'
import type { ServerContext } from './context.js'

/** Answers `req` when it is a probe; returns false for every other request. @internal */
export function answerProbe(ctx: ServerContext, req: IncomingMessage, res: ServerResponse): boolean {
  const base = ctx.options.healthPath
  if (base === undefined) return false
  const url = req.url ?? '/'
  const question = url.indexOf('?')
  const path = question === -1 ? url : url.slice(0, question)
  if (path !== base && path !== `${base}/ready`) return false
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    reply(res, 405, 'method not allowed')
    return true
  }
  if (path === base) reply(res, 200, 'ok')
  else {
    const problem = unreadiness(ctx)
    reply(res, problem === null ? 200 : 503, problem === null ? 'ready' : `not ready: ${problem}`)
  }
  return true
}

/** Why the server should get no traffic now, or `null`. @internal */
export function unreadiness(ctx: ServerContext): string | null {
  if (ctx.draining) return 'draining'
  try {
    // Builds the default layer if no consumer has yet, so a process whose
    // Redis is down is not ready before its first connection either.
    getChannelLayer()
  } catch (error) {
    return `the default channel layer cannot be built (${error instanceof Error ? error.message : String(error)})`
  }
  for (const [alias, layer] of builtChannelLayers()) {
    if ((layer as { isReachable?: unknown }).isReachable === false) {
      return `channel layer '${alias}' cannot reach Redis`
    }
  }
  return null
}

function reply(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(text) + 1,
  })
  res.end(`${text}\n`)
}
