/**
 * Test helpers: scopes to route, and tiny applications that record the scope they got.
 *
 * @module
 */

import type {
  Application,
  ChannelScope,
  HttpScope,
  Message,
  Receive,
  Scope,
  Send,
  WebsocketScope,
} from '../../src/types.js'

/** An application that remembers every scope it was called with. */
export interface Recorder {
  app: Application
  scopes: Scope[]
  /** The only scope received; fails the test when there were none or several. */
  readonly scope: Scope
}

export function recorder(): Recorder {
  const scopes: Scope[] = []
  return {
    scopes,
    app: async (scope) => {
      scopes.push(scope)
    },
    get scope(): Scope {
      if (scopes.length !== 1) throw new Error(`expected one call, got ${scopes.length}`)
      return scopes[0] as Scope
    },
  }
}

export const receive: Receive = async (): Promise<Message> => ({ type: 'websocket.connect' })
export const send: Send = async () => {}

export function websocketScope(path: string, extra: Partial<WebsocketScope> = {}): WebsocketScope {
  return {
    type: 'websocket',
    httpVersion: '1.1',
    scheme: 'ws',
    path,
    rawPath: path,
    queryString: '',
    rootPath: '',
    headers: [],
    client: null,
    server: null,
    subprotocols: [],
    ...extra,
  }
}

export function httpScope(path: string, extra: Partial<HttpScope> = {}): HttpScope {
  return {
    type: 'http',
    method: 'GET',
    httpVersion: '1.1',
    scheme: 'http',
    path,
    rawPath: path,
    queryString: '',
    rootPath: '',
    headers: [],
    client: null,
    server: null,
    ...extra,
  }
}

export function channelScope(channel: string): ChannelScope {
  return { type: 'channel', channel }
}

/** Runs `app` with `scope` and no-op receive/send. */
export async function run(app: Application, scope: Scope): Promise<void> {
  await app(scope, receive, send)
}
