/**
 * The worker process of the example, the programmatic twin of
 * `tschannels worker --app examples/worker/app.ts#application thumbnails`.
 * It prints `ready` once it listens and stops gracefully on SIGTERM.
 *
 * @module
 */

import { runWorker } from 'tschannels'
import { application } from './app.js'

const running = runWorker(application, ['thumbnails'], { handleSignals: true })
console.log('ready')
await running
// The layer's connections would otherwise keep the process alive.
process.exit(0)
