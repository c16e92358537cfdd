/**
 * prom-client, loaded as the optional peer it is: only processes that turn
 * metrics on load it, and its absence is a `MissingPeerDependency` naming
 * the install command.
 *
 * @module
 * @internal
 */

import type * as PromClient from 'prom-client'

import { requirePeer } from '../util/optional-peer.js'

/** The prom-client module. @internal */
export const prom = requirePeer<typeof PromClient>('prom-client', 'Metrics (tschannels/metrics)')

export type { Counter, Gauge, Histogram, Registry } from 'prom-client'
