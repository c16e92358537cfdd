/**
 * `npm run bench:echo`: the echo benchmark. It starts each server in its own
 * process (tschannels through `tschannels serve`, with the echo as a
 * `WebsocketConsumer` and as a bare Application; and a raw `ws` echo server
 * as the baseline), pins servers and load generator to different cores with
 * `taskset` when it can, and measures messages/s, p50/p99 round-trip
 * latency and server CPU microseconds per message (utime + stime from
 * /proc/<pid>/stat). Rounds alternate the servers; the table shows medians.
 *
 * Options: --clients 50 --seconds 5 --warmup 1 --rounds 5 --size 64 --pause 0 --only raw,plain,consumer
 * (also `plain-metrics`: the plain echo with `--metrics-port`; `plain-baseline`: the plain echo served
 * by the checkout at `BENCH_BASELINE`, for comparing two versions of the server in one run)
 *
 * `--pause <ms>` makes every client wait that long after each echo, so the
 * processes sleep between round trips: the latency of waking an idle server.
 *
 * @module
 */

import { parseArgs } from 'node:util'

import { runLoad } from './echo/load.js'
import { NODE_READY, PIN, pinSelf, startServer } from './lib/process.js'
import { median } from './lib/stats.js'

const SERVERS = {
  raw: ['bench/echo/raw-server.ts'],
  plain: ['src/cli.ts', 'serve', 'bench/echo/app.ts#plain', '--port', '0', '--no-access-log'],
  consumer: ['src/cli.ts', 'serve', 'bench/echo/app.ts#application', '--port', '0', '--no-access-log'],
  // The plain echo with metrics on: what they cost per message.
  'plain-metrics': [
    'src/cli.ts',
    'serve',
    'bench/echo/app.ts#plain',
    '--port',
    '0',
    '--no-access-log',
    '--metrics-port',
    '0',
  ],
  // The plain echo served by another checkout's server (BENCH_BASELINE=<its root>), to compare two versions in one run.
  'plain-baseline': [
    `${process.env.BENCH_BASELINE ?? '.'}/src/cli.ts`,
    'serve',
    'bench/echo/app.ts#plain',
    '--port',
    '0',
    '--no-access-log',
  ],
} as const
type ServerName = keyof typeof SERVERS

interface Sample {
  server: ServerName
  round: number
  messagesPerSecond: number
  p50Us: number
  p99Us: number
  cpuUsPerMessage: number
}

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '5' },
    size: { type: 'string', default: '64' },
    pause: { type: 'string', default: '0' },
    only: { type: 'string', default: 'raw,plain,consumer' },
  },
})
const clients = Number(values.clients)
const durationMs = Number(values.seconds) * 1000
const warmupMs = Number(values.warmup) * 1000
const rounds = Number(values.rounds)
const payload = 'x'.repeat(Number(values.size))
const servers = values.only.split(',') as ServerName[]

async function main(): Promise<void> {
  pinSelf()
  const pauseNote = values.pause === '0' ? '' : `${values.pause} ms pause after each echo, `
  const where = PIN
    ? `servers on CPU ${PIN.server}, load generator on CPU ${PIN.load}`
    : 'no CPU pinning (taskset or a second CPU missing)'
  console.log(
    `echo benchmark: ${clients} clients, ${values.size}-byte text messages, ${pauseNote}${rounds} x ${values.seconds}s; ${where}`,
  )
  const samples: Sample[] = []
  for (let round = 1; round <= rounds; round++) {
    for (const server of servers) {
      const sample = await measure(server, round)
      samples.push(sample)
      console.log(JSON.stringify({ bench: 'echo', ...sample }))
    }
  }
  report(samples)
}

async function measure(server: ServerName, round: number): Promise<Sample> {
  const running = await startServer({
    command: process.execPath,
    args: ['--import', 'tsx', ...SERVERS[server]],
    ready: NODE_READY,
  })
  try {
    let cpuStart = 0
    let cpuEnd = 0
    const result = await runLoad({
      url: `ws://127.0.0.1:${running.port}/echo/`,
      clients,
      payload,
      pauseMs: Number(values.pause),
      warmupMs,
      durationMs,
      onMeasureStart: () => (cpuStart = running.cpuUs()),
      onMeasureEnd: () => (cpuEnd = running.cpuUs()),
    })
    const sorted = Float64Array.from(result.latenciesUs).sort()
    return {
      server,
      round,
      messagesPerSecond: Math.round(result.messages / result.seconds),
      p50Us: Math.round(sorted[Math.floor(sorted.length * 0.5)] ?? 0),
      p99Us: Math.round(sorted[Math.floor(sorted.length * 0.99)] ?? 0),
      cpuUsPerMessage: Number(((cpuEnd - cpuStart) / Math.max(result.messages, 1)).toFixed(2)),
    }
  } finally {
    await running.stop()
  }
}

function report(samples: Sample[]): void {
  const medians = servers.map((server) => {
    const mine = samples.filter((s) => s.server === server)
    return {
      server,
      messagesPerSecond: median(mine.map((s) => s.messagesPerSecond)),
      p50Us: median(mine.map((s) => s.p50Us)),
      p99Us: median(mine.map((s) => s.p99Us)),
      cpuUsPerMessage: median(mine.map((s) => s.cpuUsPerMessage)),
    }
  })
  const raw = medians.find((m) => m.server === 'raw')
  const ratio = (value: number, base: number | undefined): string =>
    base ? `${(value / base).toFixed(2)}x` : '-'
  const rows = medians.map((m) => [
    m.server,
    String(m.messagesPerSecond),
    ratio(m.messagesPerSecond, raw?.messagesPerSecond),
    String(m.p50Us),
    String(m.p99Us),
    ratio(m.p99Us, raw?.p99Us),
    m.cpuUsPerMessage.toFixed(2),
    ratio(m.cpuUsPerMessage, raw?.cpuUsPerMessage),
  ])
  const header = ['server', 'msg/s', 'vs raw', 'p50 µs', 'p99 µs', 'vs raw', 'CPU µs/msg', 'vs raw']
  console.log('\nmedians of %d rounds:\n', rounds)
  console.log(`| ${header.join(' | ')} |`)
  console.log(`| ${header.map(() => '---').join(' | ')} |`)
  for (const row of rows) console.log(`| ${row.join(' | ')} |`)
  for (const m of medians) {
    console.log(
      JSON.stringify({
        bench: 'echo',
        summary: true,
        ...m,
        cpuRatioToRaw: raw ? Number((m.cpuUsPerMessage / raw.cpuUsPerMessage).toFixed(3)) : null,
        throughputRatioToRaw: raw ? Number((m.messagesPerSecond / raw.messagesPerSecond).toFixed(3)) : null,
      }),
    )
  }
}

await main()
