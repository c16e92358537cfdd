import { Writable } from 'node:stream'

import { describe, expect, it } from 'vitest'

import { beforeFrame } from '../../src/server/write-coalescing.js'
import { closed, openSocket, startServer } from './helpers.js'
import type { Application } from '../../src/types.js'

/** A socket stand-in that records each system call a real socket would make. */
class RecordingSocket extends Writable {
  readonly calls: string[][] = []

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.calls.push([chunk.toString()])
    callback()
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, callback: () => void): void {
    this.calls.push(chunks.map(({ chunk }) => chunk.toString()))
    callback()
  }
}

const endOfTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/** Writes `frames` to `socket` in one turn the way the server does. */
function writeFrames(socket: RecordingSocket, frames: string[], turn = 0): number {
  for (const frame of frames) {
    turn = beforeFrame(socket as never, turn)
    socket.write(frame)
  }
  return turn
}

describe('write coalescing', () => {
  it('writes a frame alone in its turn at once', () => {
    const socket = new RecordingSocket()
    writeFrames(socket, ['a'])
    expect(socket.calls).toEqual([['a']])
  })

  it('sends the rest of a turn’s frames to one socket in one call at the end of the turn', async () => {
    const socket = new RecordingSocket()
    writeFrames(socket, ['a', 'b', 'c', 'd'])
    expect(socket.calls).toEqual([['a']])
    await endOfTurn()
    expect(socket.calls).toEqual([['a'], ['b', 'c', 'd']])
    expect(socket.writableCorked).toBe(0)
  })

  it('starts afresh in the next turn', async () => {
    const socket = new RecordingSocket()
    let turn = writeFrames(socket, ['a', 'b'])
    await endOfTurn()
    turn = writeFrames(socket, ['c'], turn)
    expect(socket.calls).toEqual([['a'], ['b'], ['c']])
    writeFrames(socket, ['d'], turn)
    await endOfTurn()
    expect(socket.calls).toEqual([['a'], ['b'], ['c'], ['d']])
  })

  it('writes out a socket that holds 64 KiB without waiting for the end of the turn', async () => {
    const socket = new RecordingSocket()
    const big = 'x'.repeat(40 * 1024)
    writeFrames(socket, ['a', big, big, 'b', 'c'])
    // a at once; the two big frames held until they passed 64 KiB; b and c held again.
    expect(socket.calls.map((call) => call.length)).toEqual([1, 2])
    await endOfTurn()
    expect(socket.calls.map((call) => call.length)).toEqual([1, 2, 2])
    expect(socket.calls.flat().join('')).toBe(['a', big, big, 'b', 'c'].join(''))
  })

  it('keeps sockets apart: each gets its own frames, in order', async () => {
    const one = new RecordingSocket()
    const two = new RecordingSocket()
    let turnOne = 0
    let turnTwo = 0
    for (const n of [1, 2, 3]) {
      turnOne = writeFrames(one, [`one${n}`], turnOne)
      turnTwo = writeFrames(two, [`two${n}`], turnTwo)
    }
    await endOfTurn()
    expect(one.calls).toEqual([['one1'], ['one2', 'one3']])
    expect(two.calls).toEqual([['two1'], ['two2', 'two3']])
  })
})

describe('serve() with many frames per turn', () => {
  it('delivers every frame sent in one turn, in order, and the close after them', async () => {
    const frames = Array.from({ length: 200 }, (_, n) => `frame ${n}`)
    const app: Application = async (_scope, receive, send) => {
      await receive()
      await send({ type: 'websocket.accept' })
      await receive() // the client's go-ahead, once it listens
      // No await between sends: all of them fall in one turn of the event loop.
      const sends = frames.map((text) => send({ type: 'websocket.send', text }))
      sends.push(send({ type: 'websocket.close', code: 4000, reason: 'done' }))
      await Promise.all(sends)
      while ((await receive()).type !== 'websocket.disconnect');
    }
    const { ws } = await startServer(app)
    const socket = await openSocket(`${ws}/burst/`)
    const received: string[] = []
    socket.on('message', (data: Buffer) => received.push(data.toString()))
    socket.send('go')
    expect(await closed(socket)).toEqual({ code: 4000, reason: 'done' })
    expect(received).toEqual(frames)
  })
})
