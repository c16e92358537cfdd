/**
 * The jitter benchmark's Socket.IO server: rooms on the Redis adapter; with
 * `RECOVERY=1`, connection state recovery turned on as its documentation
 * shows (the Redis adapter does not implement it, which the run shows).
 *
 * @module
 */

import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

import { createAdapter } from '@socket.io/redis-adapter'
import { Redis } from 'ioredis'
import { Server } from 'socket.io'

const http = createServer()
const io = new Server(http, {
  transports: ['websocket'],
  serveClient: false,
  perMessageDeflate: false,
  ...(process.env.RECOVERY === '1'
    ? { connectionStateRecovery: { maxDisconnectionDuration: 2 * 60_000, skipMiddlewares: true } }
    : {}),
})
const pub = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379')
io.adapter(createAdapter(pub, pub.duplicate()))

io.on('connection', (socket) => {
  const room = String(socket.handshake.query.room ?? 'lobby')
  if (!socket.recovered) void socket.join(room)
  // Senders name the room they send to; they join a room of their own.
  socket.on('n', (message: { room?: unknown; n?: unknown }) => {
    if (typeof message?.room === 'string' && typeof message.n === 'number') {
      io.to(message.room).emit('n', { n: message.n })
    }
  })
})
http.listen(0, '127.0.0.1', () => {
  const { port } = http.address() as AddressInfo
  process.stderr.write(`socket.io jitter: listening on http://127.0.0.1:${port} (pid ${process.pid})\n`)
})
process.on('SIGTERM', () => process.exit(0))
