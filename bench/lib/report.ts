/**
 * Medians, ratios and tables: turns the samples of one workload into one
 * summary line per peer (medians over rounds, ratios to raw `ws` or to the
 * first peer in the run) and prints them as a Markdown table.
 *
 * @module
 */

import { execFileSync } from 'node:child_process'
import { cpus, totalmem } from 'node:os'

import type { Sample } from './measure.js'
import { median } from './stats.js'

/** The figures each workload reports, in table order, with the table's column names. */
const COLUMNS: Record<string, readonly (readonly [string, string])[]> = {
  fanout: [
    ['deliveriesPerSecond', 'deliveries/s'],
    ['p50Us', 'p50 µs'],
    ['p95Us', 'p95 µs'],
    ['p99Us', 'p99 µs'],
    ['cpuUsPerDelivery', 'CPU µs/delivery'],
    ['redisCpuUsPerDelivery', 'Redis CPU µs/delivery'],
  ],
  storm: [
    ['handshakesPerSecond', 'handshakes/s'],
    ['p50Us', 'p50 µs'],
    ['p99Us', 'p99 µs'],
    ['cpuUsPerHandshake', 'CPU µs/handshake'],
  ],
  idle: [
    ['connections', 'connections'],
    ['openSeconds', 'open s'],
    ['connectionsPerSecond', 'opened/s'],
    ['bytesPerConnection', 'bytes/connection'],
    ['marginalBytesPerConnection', 'marginal bytes/connection'],
    ['settledBytesPerConnection', 'settled bytes/connection'],
  ],
}
const columnsOf = (workload: string): readonly (readonly [string, string])[] =>
  COLUMNS[workload] ?? COLUMNS.fanout!

/** Ratios reported against the baseline, per workload. */
const RATIOS: Record<string, readonly string[]> = {
  fanout: ['deliveriesPerSecond', 'p99Us', 'cpuUsPerDelivery'],
  storm: ['handshakesPerSecond', 'cpuUsPerHandshake'],
  idle: ['bytesPerConnection', 'marginalBytesPerConnection', 'settledBytesPerConnection'],
}

/** One summary line per peer: the median of each figure over its successful rounds, plus ratios. */
export function summarize(workload: string, peers: readonly string[], samples: readonly Sample[]): Sample[] {
  const medians = peers.map((peer) => {
    const mine = samples.filter((s) => s.peer === peer && s.error === undefined)
    const line: Sample = { bench: 'chat', kind: 'summary', workload, peer, rounds: mine.length }
    for (const [key] of columnsOf(workload)) {
      const numbers = mine.map((s) => s[key]).filter((v): v is number => typeof v === 'number')
      if (numbers.length > 0) line[key] = Number(median(numbers).toFixed(3))
    }
    return line
  })
  // raw ws where it runs; for Redis-only workloads the first peer (Socket.IO's Redis adapter).
  const base = medians.find((m) => m.peer === 'raw-ws' && m.rounds) ?? medians.find((m) => m.rounds)
  for (const line of medians) {
    if (base === undefined) break
    line.baseline = base.peer as string
    for (const key of RATIOS[workload] ?? RATIOS.fanout!) {
      const value = line[key]
      const reference = base[key]
      if (typeof value === 'number' && typeof reference === 'number' && reference > 0) {
        line[`${key}Ratio`] = Number((value / reference).toFixed(3))
      }
    }
  }
  return medians
}

/** Prints the summary of one workload as a Markdown table. */
export function printTable(
  workload: string,
  title: string,
  summary: readonly Sample[],
  label: (peer: string) => string,
): void {
  const columns = columnsOf(workload).filter(([key]) => summary.some((line) => line[key] !== undefined))
  const ratios = (RATIOS[workload] ?? RATIOS.fanout!).filter((key) => columns.some(([k]) => k === key))
  const base = summary[0]?.baseline
  const header = [
    'peer',
    ...columns.map(([, name]) => name),
    ...ratios.map((key) => `${columns.find(([k]) => k === key)![1]} vs ${String(base)}`),
  ]
  console.log(`\n${title} (medians of rounds):\n`)
  console.log(`| ${header.join(' | ')} |`)
  console.log(`| ${header.map(() => '---').join(' | ')} |`)
  for (const line of summary) {
    const cells = [
      label(line.peer as string),
      ...columns.map(([key]) => format(line[key])),
      ...ratios.map((key) =>
        typeof line[`${key}Ratio`] === 'number' ? `${String(line[`${key}Ratio`])}x` : '-',
      ),
    ]
    console.log(`| ${cells.join(' | ')} |`)
  }
  console.log('')
}

/** The machine and versions, for the record. */
export function machine(): Sample {
  const version = (command: string, args: string[]): string => {
    try {
      return execFileSync(command, args, { stdio: ['ignore', 'pipe', 'ignore'] })
        .toString()
        .trim()
    } catch {
      return 'missing'
    }
  }
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cpus: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    python: version('/usr/bin/python3', ['--version']).replace('Python ', ''),
    redis: version('redis-server', ['--version']).replace(/.*v=(\S+).*/, '$1'),
    loadAverage: version('cat', ['/proc/loadavg']).split(' ').slice(0, 3).join(' '),
    date: new Date().toISOString(),
  }
}

function format(value: unknown): string {
  if (typeof value !== 'number') return '-'
  return Number.isInteger(value) ? String(value) : value.toFixed(value < 10 ? 2 : 0)
}
