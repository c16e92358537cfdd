/**
 * The baseline: a bare `ws` echo server doing the same work as the
 * tschannels one (text stays text, binary stays binary, 1 MiB message limit,
 * no compression), printing its port the way `tschannels serve` does.
 *
 * @module
 */

import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

import { WebSocketServer } from 'ws'

const server = createServer((_req, res) => res.end('ok'))
const wss = new WebSocketServer({ server, maxPayload: 1024 * 1024, perMessageDeflate: false })
wss.on('connection', (socket) => {
  socket.on('message', (data: Buffer, isBinary: boolean) => {
    socket.send(isBinary ? data : data.toString())
  })
  socket.on('error', () => {})
})
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo
  process.stderr.write(`raw ws: listening on http://127.0.0.1:${port} (pid ${process.pid})\n`)
})
process.on('SIGTERM', () => process.exit(0))
