/**
 * `npm run bench:validation`: what validating frames and layer messages
 * costs a consumer, in one process without sockets. Each variant handles
 * the same frames (or layer messages) through the consumer's whole dispatch
 * path: without a schema, with a zod schema, with a valibot schema. Rounds
 * alternate the variants; the table shows medians, in nanoseconds per
 * message, and the difference to the variant without a schema.
 *
 * Options: --messages 200000 --rounds 7
 *
 * @module
 */

import { parseArgs } from 'node:util'

import * as v from 'valibot'
import { z } from 'zod'

import { JsonWebsocketConsumer } from '../src/consumers/json-websocket-consumer.js'
import type { StandardSchemaV1 } from '../src/consumers/standard-schema.js'
import { WebsocketConsumer } from '../src/consumers/websocket-consumer.js'
import type { Message, WebsocketScope } from '../src/types.js'
import { median } from './lib/stats.js'

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '200000' },
    rounds: { type: 'string', default: '7' },
  },
})
const count = Number(values.messages)
const rounds = Number(values.rounds)

const FRAME = JSON.stringify({ action: 'message', text: 'hello, everyone in the room', tags: ['a', 'b'] })
const zodFrame = z.object({
  action: z.literal('message'),
  text: z.string().max(2000),
  tags: z.array(z.string()),
})
const valibotFrame = v.object({
  action: v.literal('message'),
  text: v.pipe(v.string(), v.maxLength(2000)),
  tags: v.array(v.string()),
})
const LAYER_MESSAGE = { type: 'chat.message', text: 'hello, everyone in the room', username: 'ann' }
const zodMessage = z.object({ type: z.literal('chat.message'), text: z.string(), username: z.string() })
const valibotMessage = v.object({ type: v.literal('chat.message'), text: v.string(), username: v.string() })

const SCOPE: WebsocketScope = {
  type: 'websocket',
  httpVersion: '1.1',
  scheme: 'ws',
  path: '/',
  rawPath: '/',
  queryString: '',
  rootPath: '',
  headers: [],
  client: null,
  server: null,
  subprotocols: [],
}

/** Runs `count` events through a fresh instance of the app, then a disconnect; resolves with ns per event. */
async function timeRun(app: ReturnType<typeof WebsocketConsumer.asApp>, event: Message): Promise<number> {
  let sent = 0
  let started = 0n
  const receive = (): Promise<Message> => {
    if (sent === 0) {
      sent++
      return Promise.resolve({ type: 'websocket.connect' })
    }
    if (sent === 1) started = process.hrtime.bigint()
    if (sent++ <= count) return Promise.resolve(event)
    return Promise.resolve({ type: 'websocket.disconnect', code: 1000 })
  }
  await app(SCOPE, receive, () => Promise.resolve())
  return Number(process.hrtime.bigint() - started) / count
}

function frameConsumer(schema: StandardSchemaV1 | undefined) {
  return class Frames extends JsonWebsocketConsumer {
    static override frameSchema = schema
    override async receiveJson(): Promise<void> {}
  }
}

function messageConsumer(schema: StandardSchemaV1 | undefined) {
  return class Messages extends WebsocketConsumer {
    static override messageSchemas = schema === undefined ? undefined : { 'chat.message': schema }
    // Handles what would arrive through the layer; delivered here as events, the same path.
    async chatMessage(): Promise<void> {}
  }
}

const VARIANTS = {
  'frame, no schema': [frameConsumer(undefined).asApp(), { type: 'websocket.receive', text: FRAME }],
  'frame, zod': [frameConsumer(zodFrame).asApp(), { type: 'websocket.receive', text: FRAME }],
  'frame, valibot': [frameConsumer(valibotFrame).asApp(), { type: 'websocket.receive', text: FRAME }],
  'layer message, no schema': [messageConsumer(undefined).asApp(), LAYER_MESSAGE],
  'layer message, zod': [messageConsumer(zodMessage).asApp(), LAYER_MESSAGE],
  'layer message, valibot': [messageConsumer(valibotMessage).asApp(), LAYER_MESSAGE],
} as const

async function main(): Promise<void> {
  console.log(`validation benchmark: ${count} messages per run, ${rounds} rounds, Node ${process.version}`)
  const samples = new Map<string, number[]>()
  for (let round = 0; round <= rounds; round++) {
    for (const [name, [app, event]] of Object.entries(VARIANTS)) {
      const ns = await timeRun(app, event)
      // Round 0 warms the JIT up and is not counted.
      if (round > 0) samples.set(name, [...(samples.get(name) ?? []), ns])
    }
  }
  const baseline = (kind: string) => median(samples.get(`${kind}, no schema`)!)
  console.log('\n| variant | ns per message (median) | added by validation |')
  console.log('| --- | ---: | ---: |')
  for (const [name, values] of samples) {
    const kind = name.split(',')[0]!
    const ns = median(values)
    const added = name.endsWith('no schema') ? '' : `${(ns - baseline(kind)).toFixed(0)} ns`
    console.log(`| ${name} | ${ns.toFixed(0)} | ${added} |`)
  }
}

await main()
