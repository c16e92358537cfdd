/**
 * `npm run bench` (quick profile) and `npm run bench:full`: the group-chat
 * workloads on every peer in one run. Rounds interleave the peers, so slow
 * drifts of a shared machine hit them all alike; the tables show medians of
 * the rounds and ratios to raw `ws` taken in the same run. Every sample and
 * every median is a JSON line, on stdout and in `--out`.
 *
 * Options: --profile quick|full, --only peer,peer, --workloads fanout,rate,...,
 * --rounds N, --idle N (connections), --settle S (seconds idle before a
 * second memory reading; 0 skips it), --out path (JSON lines).
 *
 * @module
 */

import { randomBytes } from 'node:crypto'
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { parseArgs } from 'node:util'

import { measureFanout, measureIdle, measureStorm } from './lib/measure.js'
import type { FanoutShape, Sample } from './lib/measure.js'
import { makePeers } from './lib/peers.js'
import type { Peer, PeerName } from './lib/peers.js'
import { PIN, pinSelf } from './lib/process.js'
import { machine, printTable, summarize } from './lib/report.js'
import { PROFILES, WORKLOAD_NAMES } from './profiles.js'
import type { WorkloadName } from './profiles.js'

const { values } = parseArgs({
  options: {
    profile: { type: 'string', default: 'quick' },
    only: { type: 'string' },
    workloads: { type: 'string' },
    rounds: { type: 'string' },
    idle: { type: 'string' },
    settle: { type: 'string' },
    out: { type: 'string' },
  },
})
const profile = PROFILES[values.profile as keyof typeof PROFILES]
if (profile === undefined) throw new Error(`unknown profile '${values.profile}': quick or full`)
const onlyPeers = values.only?.split(',') as PeerName[] | undefined
const workloads = (values.workloads?.split(',') ?? WORKLOAD_NAMES) as WorkloadName[]
const rounds = values.rounds !== undefined ? Number(values.rounds) : profile.rounds
const out = values.out ?? `bench/results/${values.profile}.jsonl`

async function main(): Promise<void> {
  pinSelf()
  const chatDataDir = mkdtempSync(join(tmpdir(), 'tschannels-bench-chat-'))
  const peers = makePeers({
    redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    chatDataDir,
    chatSecret: randomBytes(32).toString('base64url'),
    chatUsers: 100,
  })
  mkdirSync(dirname(out), { recursive: true })
  writeFileSync(out, '')
  const emit = (sample: Sample): void => {
    const line = JSON.stringify(sample)
    console.log(line)
    appendFileSync(out, line + '\n')
  }
  const where = PIN
    ? `servers on CPU ${PIN.server}, load generator on CPU ${PIN.load}`
    : 'no CPU pinning (taskset or a second CPU missing)'
  emit({ bench: 'chat', kind: 'machine', profile: values.profile, rounds, pinning: where, ...machine() })
  try {
    for (const workload of workloads) {
      const spec = profile.workloads[workload]
      if (spec === undefined) continue
      const names = spec.peers.filter((name) => onlyPeers === undefined || onlyPeers.includes(name))
      const samples: Sample[] = []
      const workloadRounds = spec.rounds ?? rounds
      for (let round = 1; round <= workloadRounds; round++) {
        for (const name of names) {
          const sample = await once(workload, peers[name], spec)
          const line = { bench: 'chat', kind: 'sample', workload, peer: name, round, ...sample }
          samples.push(line)
          emit(line)
        }
      }
      const summary = summarize(workload, names, samples)
      for (const line of summary) emit(line)
      printTable(workload, spec.title, summary, (name) => peers[name as PeerName].label)
    }
  } finally {
    rmSync(chatDataDir, { recursive: true, force: true })
  }
}

async function once(
  workload: WorkloadName,
  peer: Peer,
  spec: (typeof profile.workloads)[WorkloadName] & object,
): Promise<Sample> {
  try {
    switch (workload) {
      case 'idle':
        return await measureIdle(
          peer,
          values.idle !== undefined ? Number(values.idle) : spec.connections!,
          values.settle !== undefined ? Number(values.settle) : (spec.settleSeconds ?? 0),
        )
      case 'storm':
        return await measureStorm(peer, {
          concurrency: spec.concurrency!,
          warmupMs: spec.warmupMs,
          durationMs: spec.durationMs,
        })
      default:
        return await measureFanout(peer, spec as FanoutShape)
    }
  } catch (error) {
    // One peer failing (Redis down, a missing package) must not lose the rest of the run.
    console.error(`${workload} on ${peer.name} failed: ${String(error)}`)
    return { error: String(error) }
  }
}

await main()
