/**
 * `npx tsx bench/charts.ts [results.jsonl]`: draws the charts of
 * `docs/benchmarks.md` as SVG files in `docs/charts/`, from the summary
 * lines of a run (default `bench/results/full.jsonl`). Plain SVG text, no
 * dependency: horizontal bars, one group per peer, one bar per series.
 *
 * @module
 */

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

import { makePeers } from './lib/peers.js'
import type { PeerName } from './lib/peers.js'

const input = process.argv[2] ?? 'bench/results/full.jsonl'
const outDir = fileURLToPath(new URL('../docs/charts/', import.meta.url))
const COLORS = ['#2563eb', '#f59e0b', '#dc2626']
const labels = makePeers({ redisUrl: '', chatDataDir: '', chatSecret: '', chatUsers: 0 })

type Summary = Record<string, unknown> & { workload: string; peer: string }

/** One chart: which workload, which figures, and how to write them. */
interface ChartSpec {
  file: string
  title: string
  workload: string
  series: readonly (readonly [key: string, name: string])[]
  unit: string
  /** Figures are divided by this before drawing (µs → ms, bytes → KB). */
  scale?: number
}

const CHARTS: readonly ChartSpec[] = [
  {
    file: 'fanout-deliveries.svg',
    title: 'Fan-out, closed loop: deliveries/s (100 clients, one room; higher is better)',
    workload: 'fanout',
    series: [['deliveriesPerSecond', 'deliveries/s']],
    unit: '',
  },
  {
    file: 'fanout-cpu.svg',
    title: 'Fan-out, closed loop: server CPU µs per delivery (lower is better)',
    workload: 'fanout',
    series: [['cpuUsPerDelivery', 'CPU µs/delivery']],
    unit: ' µs',
  },
  {
    file: 'rate-latency.svg',
    title: 'Fan-out at 50 messages/s (5,000 deliveries/s): latency in ms (lower is better)',
    workload: 'rate',
    series: [
      ['p50Us', 'p50'],
      ['p95Us', 'p95'],
      ['p99Us', 'p99'],
    ],
    unit: ' ms',
    scale: 1000,
  },
  {
    file: 'rooms-deliveries.svg',
    title: 'Rooms: 1,000 clients in 100 rooms, deliveries/s (higher is better)',
    workload: 'rooms',
    series: [['deliveriesPerSecond', 'deliveries/s']],
    unit: '',
  },
  {
    file: 'cross-deliveries.svg',
    title: 'Cross-process over Redis: deliveries/s, two servers, one room (higher is better)',
    workload: 'cross',
    series: [['deliveriesPerSecond', 'deliveries/s']],
    unit: '',
  },
  {
    file: 'idle-memory.svg',
    title: 'Idle connections: server memory per connection in KB (RSS delta / N; lower is better)',
    workload: 'idle',
    series: [['bytesPerConnection', 'KB/connection']],
    unit: ' KB',
    scale: 1000,
  },
  {
    file: 'storm-handshakes.svg',
    title: 'Connect storm: handshakes/s, auth included for the chat (higher is better)',
    workload: 'storm',
    series: [['handshakesPerSecond', 'handshakes/s']],
    unit: '',
  },
]

function main(): void {
  const summaries = readFileSync(input, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Summary)
    .filter((line) => line.kind === 'summary')
  mkdirSync(outDir, { recursive: true })
  for (const chart of CHARTS) {
    const rows = summaries.filter((line) => line.workload === chart.workload)
    if (rows.length === 0) continue
    writeFileSync(outDir + chart.file, draw(chart, rows))
    console.log(`docs/charts/${chart.file}`)
  }
}

function draw(chart: ChartSpec, rows: readonly Summary[]): string {
  const scale = chart.scale ?? 1
  const value = (row: Summary, key: string): number => (typeof row[key] === 'number' ? row[key] : 0) / scale
  const max = Math.max(...rows.flatMap((row) => chart.series.map(([key]) => value(row, key))), 1e-9)
  const bar = 14
  const gap = 10
  const left = 290
  const width = 860
  const plot = width - left - 90
  const groupHeight = chart.series.length * bar + gap
  const top = 40
  const legend = chart.series.length > 1 ? 22 : 0
  const height = top + legend + rows.length * groupHeight + 10
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="22" font-size="14" font-weight="600">${escape(chart.title)}</text>`,
  ]
  chart.series.forEach(([, name], i) => {
    if (chart.series.length === 1) return
    const x = left + i * 90
    parts.push(`<rect x="${x}" y="${top - 4}" width="12" height="12" fill="${COLORS[i]}"/>`)
    parts.push(`<text x="${x + 16}" y="${top + 6}">${escape(name)}</text>`)
  })
  rows.forEach((row, r) => {
    const y0 = top + legend + r * groupHeight
    const label = labels[row.peer as PeerName]?.label ?? row.peer
    const mid = y0 + (chart.series.length * bar) / 2 + 4
    parts.push(`<text x="${left - 8}" y="${mid}" text-anchor="end">${escape(label)}</text>`)
    chart.series.forEach(([key], i) => {
      const v = value(row, key)
      const w = Math.max((v / max) * plot, 1)
      const y = y0 + i * bar
      parts.push(
        `<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${bar - 2}" fill="${COLORS[i]}"/>`,
      )
      parts.push(`<text x="${(left + w + 4).toFixed(1)}" y="${y + bar - 4}">${format(v)}${chart.unit}</text>`)
    })
  })
  parts.push('</svg>')
  return parts.join('\n') + '\n'
}

function format(value: number): string {
  if (value >= 100) return Math.round(value).toLocaleString('en-US')
  return value.toFixed(value >= 10 ? 1 : 2)
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

main()
