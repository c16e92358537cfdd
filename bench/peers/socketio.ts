/**
 * The group chat on Socket.IO 4: rooms are Socket.IO rooms, a message goes
 * out with `io.to(room).emit()`, which encodes it once for the whole room.
 * WebSocket transport only, no compression. With `REDIS_URL` it uses the
 * Redis adapter (`@socket.io/redis-adapter`), so several processes form one
 * chat.
 *
 * @module
 */

import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

import { Server } from 'socket.io'

const http = createServer()
const io = new Server(http, {
  transports: ['websocket'],
  serveClient: false,
  perMessageDeflate: false,
  maxHttpBufferSize: 1024 * 1024,
})
const redisUrl = process.env.REDIS_URL
if (redisUrl) {
  const { createAdapter } = await import('@socket.io/redis-adapter')
  const { Redis } = await import('ioredis')
  const pub = new Redis(redisUrl)
  io.adapter(createAdapter(pub, pub.duplicate()))
}
let nextId = 0

io.on('connection', (socket) => {
  const room = String(socket.handshake.query.room ?? 'lobby')
  void socket.join(room)
  socket.on('message', (content: { action?: unknown; data?: Record<string, unknown> }) => {
    if (content?.action !== 'message' || typeof content.data?.text !== 'string') return
    const time = Date.now() / 1000
    io.to(room).emit('message', {
      action: 'message',
      data: {
        ...content.data,
        id: ++nextId,
        text: content.data.text.trim(),
        username: 'anon',
        uid: socket.id,
        time,
      },
      time,
    })
  })
})
http.listen(0, '127.0.0.1', () => {
  const { port } = http.address() as AddressInfo
  process.stderr.write(`socket.io chat: listening on http://127.0.0.1:${port} (pid ${process.pid})\n`)
})
process.on('SIGTERM', () => process.exit(0))
