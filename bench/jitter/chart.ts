/**
 * `npx tsx bench/jitter/chart.ts [bench/results/jitter.jsonl]`: draws
 * `docs/charts/jitter-delivered.svg` from the last line of each peer: the
 * share of messages delivered, and the duplicates and reorderings beside
 * it. Plain SVG text.
 *
 * @module
 */

import { readFileSync, writeFileSync } from 'node:fs'

interface Line {
  peer: string
  clients: number
  durationS: number
  cuts: number
  deliveredPct: number
  duplicates: number
  reorderings: number
  stormBackP50Ms: number | null
  stormBackMaxMs: number | null
}

const LABELS: Record<string, string> = {
  tschannels: 'tschannels + ChannelsClient (pub/sub layer with history)',
  'socketio-redis': 'Socket.IO + Redis adapter',
  'socketio-redis-recovery': 'Socket.IO + Redis adapter + connection state recovery',
}

const input = process.argv[2] ?? 'bench/results/jitter.jsonl'
const last = new Map<string, Line>()
for (const text of readFileSync(input, 'utf8').split('\n')) {
  if (text.trim()) {
    const line = JSON.parse(text) as Line
    last.set(line.peer, line)
  }
}
const lines = [...last.values()]
const first = lines[0]
if (!first) throw new Error(`${input} has no results`)

const WIDTH = 960
const LEFT = 20
const BAR = 26
const ROW = 64
const TOP = 56
const SCALE = 420
const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;')
const parts: string[] = [
  `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${TOP + ROW * lines.length + 20}" font-family="system-ui, sans-serif" font-size="13">`,
  `<rect width="100%" height="100%" fill="#fff"/>`,
  `<text x="${LEFT}" y="22" font-size="15" font-weight="600">${escape(
    `Messages delivered under jitter (${first.clients} clients, ${first.durationS} s, mean ${(first.cuts / first.clients).toFixed(1)} cuts of 2 s each)`,
  )}</text>`,
  `<text x="${LEFT}" y="40" fill="#555">delivered / sent, per client, summed; higher is better</text>`,
]
lines.forEach((line, i) => {
  const y = TOP + i * ROW
  const width = (line.deliveredPct / 100) * SCALE
  const color = line.peer === 'tschannels' ? '#2563eb' : '#f59e0b'
  parts.push(
    `<text x="${LEFT}" y="${y + 12}">${escape(LABELS[line.peer] ?? line.peer)}</text>`,
    `<rect x="${LEFT}" y="${y + 18}" width="${width.toFixed(1)}" height="${BAR}" fill="${color}"/>`,
    `<text x="${LEFT + width + 8}" y="${y + 36}">${escape(
      `${line.deliveredPct.toFixed(1)} %  ·  ${line.duplicates} duplicates  ·  ${line.reorderings} reordered  ·  storm: all back in ${
        line.stormBackMaxMs === null ? '—' : (line.stormBackMaxMs / 1000).toFixed(1) + ' s'
      }`,
    )}</text>`,
  )
})
parts.push('</svg>')
writeFileSync('docs/charts/jitter-delivered.svg', parts.join('\n') + '\n')
console.log('docs/charts/jitter-delivered.svg')
