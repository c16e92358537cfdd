/**
 * The status page's data: what one process reports (a plain JSON object,
 * so a cluster worker can send it to the primary over IPC) and how the
 * reports of several processes add up.
 *
 * @module
 */

/** One channel layer, as the status page shows it. */
export interface LayerStatus {
  alias: string
  /** Calls made so far (every method but `receive`). */
  calls: number
  /** Seconds spent in those calls, summed: with `calls`, a mean latency over any interval. */
  seconds: number
  /** Messages handed out by `receive()`. */
  received: number
  /** `send()` calls refused with `ChannelFull`. */
  channelFull: number
  /** Whether every Redis host answers (`true` for layers without Redis). */
  reachable: boolean
  /** Redis pub/sub subscriptions, for the pub/sub layer. */
  subscriptions: number | null
}

/** One group with members in this process (or, merged, in all of them). */
export interface GroupStatus {
  name: string
  members: number
}

/** What one process (or, merged, a cluster) reports to the status page. */
export interface StatusSnapshot {
  /** Milliseconds since the epoch when the snapshot was taken. */
  time: number
  /** Processes reporting: 1, or the number of workers that answered. */
  processes: number
  websockets: number
  httpInFlight: number
  messagesReceived: number
  messagesSent: number
  bytesReceived: number
  bytesSent: number
  /** WebSockets closed with 1013 for being slow or not reading. */
  slowClientCloses: number
  applicationErrors: number
  layers: LayerStatus[]
  /** The largest groups, by member count, at most `GROUPS_SHOWN`. */
  groups: GroupStatus[]
  /** How many groups have members, all of them (the list above is cut). */
  groupCount: number
}

/** How many groups a snapshot lists. @internal */
export const GROUPS_SHOWN = 20

/** The sum of several processes' snapshots. @internal */
export function mergeSnapshots(parts: readonly StatusSnapshot[]): StatusSnapshot {
  const layers = new Map<string, LayerStatus>()
  const groups = new Map<string, number>()
  const total: StatusSnapshot = {
    time: Date.now(),
    processes: 0,
    websockets: 0,
    httpInFlight: 0,
    messagesReceived: 0,
    messagesSent: 0,
    bytesReceived: 0,
    bytesSent: 0,
    slowClientCloses: 0,
    applicationErrors: 0,
    layers: [],
    groups: [],
    groupCount: 0,
  }
  for (const part of parts) {
    total.processes += part.processes
    total.websockets += part.websockets
    total.httpInFlight += part.httpInFlight
    total.messagesReceived += part.messagesReceived
    total.messagesSent += part.messagesSent
    total.bytesReceived += part.bytesReceived
    total.bytesSent += part.bytesSent
    total.slowClientCloses += part.slowClientCloses
    total.applicationErrors += part.applicationErrors
    total.groupCount = Math.max(total.groupCount, part.groupCount)
    for (const layer of part.layers) {
      const seen = layers.get(layer.alias)
      if (seen === undefined) layers.set(layer.alias, { ...layer })
      else {
        seen.calls += layer.calls
        seen.seconds += layer.seconds
        seen.received += layer.received
        seen.channelFull += layer.channelFull
        seen.reachable &&= layer.reachable
        seen.subscriptions =
          seen.subscriptions === null && layer.subscriptions === null
            ? null
            : (seen.subscriptions ?? 0) + (layer.subscriptions ?? 0)
      }
    }
    for (const group of part.groups) groups.set(group.name, (groups.get(group.name) ?? 0) + group.members)
  }
  total.layers = [...layers.values()]
  total.groups = largestGroups(groups)
  total.groupCount = Math.max(total.groupCount, groups.size)
  return total
}

/** The `GROUPS_SHOWN` largest of `groups`, largest first, ties by name. @internal */
export function largestGroups(groups: ReadonlyMap<string, number>): GroupStatus[] {
  return [...groups]
    .map(([name, members]) => ({ name, members }))
    .sort((a, b) => b.members - a.members || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .slice(0, GROUPS_SHOWN)
}
