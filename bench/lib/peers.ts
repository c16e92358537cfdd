/**
 * The peers: every server that plays the group chat, how to start it (the
 * way its users do: `tschannels serve`, `daphne`, a Node script) and how a
 * client reaches a room on it.
 *
 * @module
 */

import { ChatAccounts } from './chat-accounts.js'
import { NODE_READY, ROOT, startServer } from './process.js'
import type { ServerSpec } from './process.js'
import type { Wire } from './wire.js'

/** Every peer, in the order tables list them. */
export const PEER_NAMES = [
  'raw-ws',
  'raw-ws-coalesced',
  'socketio',
  'daphne',
  'tsc-minimal',
  'tsc-minimal-metrics',
  'tsc-tutorial',
  'tsc-chat',
  'socketio-redis',
  'daphne-redis',
  'tsc-minimal-redis',
  'tsc-minimal-pubsub',
  'tsc-chat-redis',
] as const
export type PeerName = (typeof PEER_NAMES)[number]

/** How one peer runs. */
export interface Peer {
  name: PeerName
  /** What the tables and charts call it. */
  label: string
  wire: Wire
  /** The channel layer or adapter: `memory` keeps a room in one process. */
  layer: 'memory' | 'redis' | 'redis-pubsub'
  spec(): ServerSpec
  /**
   * Readies what its clients need before any server of it starts (the
   * chat's users and tokens), so the measured servers start from the same
   * state as every other peer's.
   */
  beforeStart(): Promise<void>
  /** Says where client `index` of the server on `port` reaches `room`. */
  prepare(port: number): Promise<(room: string, index: number) => string>
}

/** What the run shares with its peers. */
export interface PeerContext {
  redisUrl: string
  /** The chat's data folder and secret key, shared by all its processes in the run. */
  chatDataDir: string
  chatSecret: string
  /** Users the chat's clients log in as. */
  chatUsers: number
}

const NODE = process.execPath
const TSX = ['--import', 'tsx']
const SERVE = [...TSX, 'src/cli.ts', 'serve']
const SERVE_FLAGS = ['--port', '0', '--no-access-log']

/** Builds the peer table for a run. */
export function makePeers(context: PeerContext): Record<PeerName, Peer> {
  const redis = { REDIS_URL: context.redisUrl }
  type Prepare = Peer['prepare']
  const plain: Prepare = async (port) => (room) => `ws://127.0.0.1:${port}/ws/chat/${room}/`
  const node =
    (script: string, env: Record<string, string> = {}): (() => ServerSpec) =>
    () => ({
      command: NODE,
      args: [...TSX, script],
      env,
      ready: NODE_READY,
    })
  const socketio: Prepare = async (port) => (room) =>
    `ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket&room=${room}`
  const daphne = (layer: string) => (): ServerSpec => ({
    command: '/usr/bin/python3',
    args: ['-m', 'daphne', '-b', '127.0.0.1', '-p', '0', 'asgi:application'],
    env: { PYTHONPATH: `${ROOT}bench/peers/django_chat`, BENCH_LAYER: layer, ...redis },
    ready: /Listening on TCP address 127\.0\.0\.1:(\d+)/,
  })
  const minimal =
    (layer: string, style = 'frame', flags: string[] = []) =>
    (): ServerSpec => ({
      command: NODE,
      args: [...SERVE, 'bench/peers/minimal-app.ts', ...SERVE_FLAGS, ...flags],
      env: { BENCH_LAYER: layer, BENCH_STYLE: style, ...redis },
      ready: NODE_READY,
    })
  // The chat's limits stay on, sized for a load generator on 127.0.0.1 (25,000
  // sockets per source address) that registers every user up front and holds
  // up to 10,000 sockets per user (--idle 1000000 over 100 users).
  const chatLimits = {
    CHAT_CONNECTIONS_PER_ADDRESS: '25000',
    CHAT_CONNECTIONS_PER_USER: '10000',
    CHAT_REGISTRATIONS_PER_ADDRESS: '1000',
  }
  const chat = (env: Record<string, string>) => (): ServerSpec => ({
    command: NODE,
    args: [...SERVE, 'examples/chat/app.ts', ...SERVE_FLAGS],
    env: {
      SECRET_KEY: context.chatSecret,
      DATA_DIR: context.chatDataDir,
      REDIS_URL: '',
      ...chatLimits,
      ...env,
    },
    ready: NODE_READY,
  })
  const accounts = new ChatAccounts(context.chatUsers, () => startServer(chat({})()))
  const issueTokens = async (): Promise<void> => void (await accounts.tokens())
  const chatPrepare: Prepare = async (port) => {
    const tokens = await accounts.tokens()
    return (room, index) => `ws://127.0.0.1:${port}/ws/chat/${room}/?token=${tokens[index % tokens.length]}`
  }
  const peer = (
    name: PeerName,
    label: string,
    wire: Wire,
    layer: Peer['layer'],
    spec: () => ServerSpec,
    prepare: Prepare,
    beforeStart: () => Promise<void> = async () => {},
  ): Peer => ({ name, label, wire, layer, spec, prepare, beforeStart })
  return {
    'raw-ws': peer('raw-ws', 'raw ws', 'json', 'memory', node('bench/peers/raw-ws.ts'), plain),
    'raw-ws-coalesced': peer(
      'raw-ws-coalesced',
      'raw ws, writes coalesced',
      'json',
      'memory',
      node('bench/peers/raw-ws.ts', { BENCH_COALESCE: '1' }),
      plain,
    ),
    socketio: peer('socketio', 'Socket.IO', 'socketio', 'memory', node('bench/peers/socketio.ts'), socketio),
    daphne: peer('daphne', 'Channels/Daphne', 'json', 'memory', daphne('memory'), plain),
    'tsc-minimal': peer('tsc-minimal', 'tschannels minimal', 'json', 'memory', minimal('memory'), plain),
    'tsc-minimal-metrics': peer(
      'tsc-minimal-metrics',
      'tschannels minimal, metrics on',
      'json',
      'memory',
      minimal('memory', 'frame', ['--metrics-port', '0']),
      plain,
    ),
    'tsc-tutorial': peer(
      'tsc-tutorial',
      'tschannels minimal, sendJson per member',
      'json',
      'memory',
      minimal('memory', 'tutorial'),
      plain,
    ),
    'tsc-chat': peer(
      'tsc-chat',
      'tschannels chat (auth)',
      'json',
      'memory',
      chat({}),
      chatPrepare,
      issueTokens,
    ),
    'socketio-redis': peer(
      'socketio-redis',
      'Socket.IO + Redis adapter',
      'socketio',
      'redis',
      node('bench/peers/socketio.ts', redis),
      socketio,
    ),
    'daphne-redis': peer(
      'daphne-redis',
      'Channels/Daphne + channels_redis',
      'json',
      'redis',
      daphne('redis'),
      plain,
    ),
    'tsc-minimal-redis': peer(
      'tsc-minimal-redis',
      'tschannels minimal + Redis',
      'json',
      'redis',
      minimal('redis'),
      plain,
    ),
    'tsc-minimal-pubsub': peer(
      'tsc-minimal-pubsub',
      'tschannels minimal + Redis pub/sub',
      'json',
      'redis-pubsub',
      minimal('redis-pubsub'),
      plain,
    ),
    'tsc-chat-redis': peer(
      'tsc-chat-redis',
      'tschannels chat (auth) + Redis',
      'json',
      'redis',
      chat(redis),
      chatPrepare,
      issueTokens,
    ),
  }
}
