/**
 * Stopping with the npm process that started us. `npx tschannels serve …`
 * runs the CLI under `sh -c`, and a SIGTERM to npm reaches only that shell:
 * the shell dies, npm exits, and the server, re-parented to init, would keep
 * serving with nobody left to stop it. Under npm (which sets `npm_command`)
 * the CLI therefore checks its parent process now and then, and drains as on
 * SIGTERM once it has changed. Outside npm nothing is watched, so a server
 * started with `nohup` or by a process manager outlives its shell as it
 * should.
 *
 * @module
 * @internal
 */

/** How often the parent is checked. */
const INTERVAL_MS = 1_000

/** Options of `watchParent`, for tests. @internal */
export interface ParentWatchOptions {
  /** @default 1000 */
  intervalMs?: number
  /** Reads the parent's pid. @default () => process.ppid */
  ppid?: () => number
}

/** True when npm (`npm start`, `npm run`, `npx`) started this process. @internal */
export function startedByNpm(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.npm_command !== undefined || env.npm_lifecycle_event !== undefined
}

/**
 * Calls `onOrphaned` once, when this process's parent is no longer the one
 * it had when the watch started. Returns a function that stops the watch.
 * @internal
 */
export function watchParent(onOrphaned: () => void, options: ParentWatchOptions = {}): () => void {
  const ppid = options.ppid ?? (() => process.ppid)
  const parent = ppid()
  const timer = setInterval(() => {
    if (ppid() === parent) return
    clearInterval(timer)
    onOrphaned()
  }, options.intervalMs ?? INTERVAL_MS)
  // The watch must not keep alive a process that has nothing else to do.
  timer.unref()
  return () => clearInterval(timer)
}
