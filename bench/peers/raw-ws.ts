/**
 * The floor: the group chat on a bare `ws` server. Rooms are in-memory sets;
 * each message is parsed once, and the same string is sent to every member.
 * Same limits as `tschannels serve` (1 MiB messages, no compression); prints
 * its port the way `tschannels serve` does.
 *
 * With `BENCH_COALESCE=1` it also coalesces writes with the function
 * `tschannels serve` uses (a socket's second and later frames in one
 * event-loop turn are corked until the turn ends), so the floor can be
 * measured with the same technique.
 *
 * @module
 */

import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'

import { WebSocketServer } from 'ws'
import type { WebSocket } from 'ws'

import { beforeFrame } from '../../src/server/write-coalescing.js'

const ROOM_PATH = /^\/ws\/chat\/([A-Za-z0-9_-]{1,64})\/$/
const rooms = new Map<string, Set<WebSocket>>()
let nextId = 0
let nextUid = 0

const coalesce = process.env.BENCH_COALESCE === '1'
/** Each member's turn of its last frame, as `tschannels serve` keeps it per connection. */
const frameTurns = new WeakMap<WebSocket, number>()

/** `member.send(text)`, coalesced by tschannels' own code when `BENCH_COALESCE=1`. */
function sendTo(member: WebSocket, text: string): void {
  if (coalesce) {
    // ws keeps its net.Socket in `_socket`; the bench may reach in, an application should not.
    const socket = (member as unknown as { _socket: Duplex })._socket
    frameTurns.set(member, beforeFrame(socket, frameTurns.get(member) ?? 0))
  }
  member.send(text)
}

const server = createServer((_req, res) => res.end('ok'))
const wss = new WebSocketServer({ server, maxPayload: 1024 * 1024, perMessageDeflate: false })
wss.on('connection', (socket, request) => {
  const match = ROOM_PATH.exec(request.url ?? '')
  if (!match) return socket.close(4404)
  const room = match[1]!
  const uid = `raw.${nextUid++}`
  let members = rooms.get(room)
  if (members === undefined) rooms.set(room, (members = new Set()))
  members.add(socket)
  socket.on('message', (data: Buffer, isBinary: boolean) => {
    if (isBinary) return
    let content: { action?: unknown; data?: Record<string, unknown> }
    try {
      content = JSON.parse(data.toString()) as typeof content
    } catch {
      return
    }
    if (content.action !== 'message' || typeof content.data?.text !== 'string') return
    const time = Date.now() / 1000
    const text = JSON.stringify({
      action: 'message',
      data: { ...content.data, id: ++nextId, text: content.data.text.trim(), username: 'anon', uid, time },
      time,
    })
    for (const member of members) sendTo(member, text)
  })
  socket.on('close', () => {
    members.delete(socket)
    if (members.size === 0) rooms.delete(room)
  })
  socket.on('error', () => {})
})
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo
  process.stderr.write(`raw ws chat: listening on http://127.0.0.1:${port} (pid ${process.pid})\n`)
})
process.on('SIGTERM', () => process.exit(0))
