/**
 * `npm run bench:path`: which source files one group message crosses on the
 * Redis pub/sub layer, from `groupSend()` in one layer to `receive()`
 * returning it in another (two layers, as two processes would hold them,
 * in one process so that one coverage count sees both sides).
 *
 * V8's precise coverage counts every function call; the count is taken
 * after warm-up rounds, around one message, so module loading, connecting
 * and subscribing are not in it. A file is crossed when at least one of its
 * functions ran in that window.
 *
 * `BENCH_BASELINE=<another checkout>` counts that checkout's layer instead,
 * to compare two versions by one method.
 * `REDIS_URL` picks the Redis server (default `redis://127.0.0.1:6379`);
 * keys live under a fresh prefix and expire.
 *
 * @module
 */

import { Session } from 'node:inspector/promises'
import { randomBytes } from 'node:crypto'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

interface PubSubLayer {
  groupAdd(group: string, channel: string): Promise<unknown>
  groupSend(group: string, message: Record<string, unknown>): Promise<void>
  newChannel(prefix?: string): Promise<string>
  receive(channel: string): Promise<Record<string, unknown>>
  close?(): Promise<void>
  flush?(): Promise<void>
}

interface FunctionCoverage {
  functionName: string
  ranges: { startOffset: number; count: number }[]
}

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(process.env.BENCH_BASELINE ?? path.join(here, '..'))
const entry = pathToFileURL(path.join(root, 'src/layers/redis/index.ts')).href
const sourcePrefix = pathToFileURL(path.join(root, 'src')).href + '/'
const hosts = [process.env.REDIS_URL ?? 'redis://127.0.0.1:6379']
const prefix = `path-files-${randomBytes(4).toString('hex')}`

const session = new Session()
session.connect()
await session.post('Profiler.enable')
await session.post('Profiler.startPreciseCoverage', { callCount: true, detailed: true })

const { RedisPubSubChannelLayer } = (await import(entry)) as {
  RedisPubSubChannelLayer: new (options: Record<string, unknown>) => PubSubLayer
}
const sender = new RedisPubSubChannelLayer({ hosts, prefix })
const receiver = new RedisPubSubChannelLayer({ hosts, prefix })
const channel = await receiver.newChannel()
await receiver.groupAdd('room', channel)

async function oneMessage(n: number): Promise<void> {
  const received = receiver.receive(channel)
  await sender.groupSend('room', { type: 'chat.message', text: `message ${n}` })
  const message = await received
  if (message.text !== `message ${n}`)
    throw new Error(`received ${JSON.stringify(message)}, not message ${n}`)
}

for (let n = 0; n < 50; n++) await oneMessage(n)
// Taking the coverage resets the counts: what the next take reports ran after this line.
await session.post('Profiler.takePreciseCoverage')
await oneMessage(50)
const { result } = (await session.post('Profiler.takePreciseCoverage')) as {
  result: { url: string; functions: FunctionCoverage[] }[]
}
await session.post('Profiler.stopPreciseCoverage')

const crossed = new Map<string, string[]>()
for (const script of result) {
  if (!script.url.startsWith(sourcePrefix)) continue
  // A module's own top level (the range from offset 0) ran when it was loaded, not for this message.
  const ran = script.functions.filter(
    (fn) => fn.ranges[0] !== undefined && fn.ranges[0].count > 0 && fn.ranges[0].startOffset !== 0,
  )
  if (ran.length === 0) continue
  const file = script.url.slice(sourcePrefix.length)
  crossed.set(
    file,
    ran.map((fn) => fn.functionName || '(anonymous)'),
  )
}

await Promise.all([sender.close?.(), receiver.close?.()])
session.disconnect()

const files = [...crossed.keys()].sort()
console.log(`${root}: one pub/sub group message crosses ${files.length} files`)
for (const file of files) console.log(`  src/${file}  ${crossed.get(file)!.join(', ')}`)
