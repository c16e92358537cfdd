/**
 * Workers: consume named channels of the channel layer (`runWorker`, and the
 * `tschannels worker` command).
 *
 * @module
 */

export { runWorker, type RunWorkerOptions } from './run-worker.js'
export { addWorkerCommand } from './worker-command.js'
