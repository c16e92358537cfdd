#!/usr/bin/env node
/**
 * The `tschannels` command. `tschannels serve module#export` runs the
 * protocol server, the way `daphne module:application` does; `tschannels
 * worker` consumes channels, as `manage.py runworker` does; `tschannels
 * --version` prints the package's version.
 *
 * Usage errors (an unknown option, a bad value, a missing target) print one
 * line and exit with 2; failures at start-up (a missing module, a port in
 * use) exit with 1.
 *
 * @module
 */

import { createRequire } from 'node:module'

import { Command, CommanderError, InvalidArgumentError, Option } from 'commander'

import { ImproperlyConfigured } from './errors.js'
import { getSettings } from './settings.js'
import { checkLayerForWorkers, isClusterWorker, runPrimary, superviseWorker } from './server/cluster.js'
import { isImportFailure, loadApplication } from './server/load-application.js'
import type { MetricsSource, ServerMetrics } from './metrics.js'
import { jsonLogger } from './server/json-logger.js'
import { defaultServeOptions } from './server/options.js'
import type { ServeOptions } from './server/options.js'
import { serve } from './server/serve.js'
import { startedByNpm, watchParent } from './server/parent-watch.js'
import { installSignalHandlers } from './server/shutdown.js'
import { addWorkerCommand } from './worker/worker-command.js'

const USAGE_ERROR = 2

interface ServeFlags {
  host: string
  port: number
  unixSocket?: string
  rootPath: string
  proxyHeaders: boolean
  pingInterval: number
  pingTimeout: number
  maxMessageSize: number
  perMessageDeflate: boolean
  handshakeTimeout: number
  httpTimeout: number
  applicationCloseTimeout: number
  sendBufferLimit: number
  connectionBufferLimit: number
  idleReaderTimeout: number
  drainWindow: number
  accessLog: boolean
  workers: number
  metricsPort?: number
  metricsHost: string
  statusToken?: string
  logFormat: 'text' | 'json'
  healthPath?: string
}

const seconds = (ms: number): string => String(ms / 1000)

/** Builds the command tree: `serve` and `worker`. */
function buildProgram(): Command {
  // HOST and PORT from the environment become the defaults; flags still win.
  const settings = getSettings()
  const program = new Command('tschannels')
    .description('The tschannels protocol server (HTTP/1.1 and WebSocket) and tools.')
    .version(packageVersion(), '-v, --version', 'print the version of tschannels')
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text.split('\n')[0]!.trim() + '\n') })
  program
    .command('serve')
    .description('Serve an application: tschannels serve path/to/asgi.js#application')
    .argument(
      '<target>',
      "module path and export name, 'path/to/module.js#export' (export defaults to 'application')",
    )
    .addOption(new Option('-b, --host <host>', 'interface to listen on (env HOST)').default(settings.host))
    .addOption(
      new Option('-p, --port <port>', 'TCP port, 0 picks a free one (env PORT)')
        .default(settings.port)
        .argParser(port),
    )
    .option('-u, --unix-socket <path>', 'listen on a Unix domain socket instead of host and port')
    .option('--root-path <path>', 'mount point stripped from paths and reported as rootPath', '')
    .option(
      '--proxy-headers',
      'trust X-Forwarded-For/-Port/-Proto for client and scheme (behind a proxy only)',
      false,
    )
    .addOption(
      num(
        '--ping-interval <seconds>',
        'seconds between WebSocket pings (0: off)',
        seconds(defaultServeOptions.pingInterval),
      ),
    )
    .addOption(
      num(
        '--ping-timeout <seconds>',
        'seconds a peer has to answer a ping',
        seconds(defaultServeOptions.pingTimeout),
      ),
    )
    .addOption(
      int(
        '--max-message-size <bytes>',
        'largest WebSocket message; larger ones close with 1009',
        defaultServeOptions.maxMessageSize,
      ),
    )
    .option('--per-message-deflate', 'enable WebSocket compression (permessage-deflate)', false)
    .addOption(
      num(
        '--handshake-timeout <seconds>',
        'seconds the application has to accept or reject a WebSocket',
        seconds(defaultServeOptions.handshakeTimeout),
      ),
    )
    .addOption(
      num(
        '--http-timeout <seconds>',
        'seconds the application has to start an HTTP response (then 503)',
        seconds(defaultServeOptions.httpResponseTimeout),
      ),
    )
    .addOption(
      num(
        '--application-close-timeout <seconds>',
        'seconds an application may run after its connection closed',
        seconds(defaultServeOptions.applicationCloseTimeout),
      ),
    )
    .addOption(
      int(
        '--send-buffer-limit <bytes>',
        'bytes buffered for one slow client before it is closed with 1013',
        defaultServeOptions.sendBufferLimit,
      ),
    )
    .addOption(
      int(
        '--connection-buffer-limit <bytes>',
        'bytes one WebSocket may hold (unread messages plus unwritten sends) before it is closed with 1013',
        defaultServeOptions.connectionBufferLimit,
      ),
    )
    .addOption(
      num(
        '--idle-reader-timeout <seconds>',
        'seconds a client may leave data unread before it is closed with 1013 (0: off)',
        seconds(defaultServeOptions.idleReaderTimeout),
      ),
    )
    .addOption(
      num(
        '--drain-window <seconds>',
        'on shutdown, WebSockets close with 1001 in batches over this many seconds',
        seconds(defaultServeOptions.drainWindow),
      ),
    )
    .option('--no-access-log', 'do not write the access log to stdout')
    .addOption(int('--workers <n>', 'number of processes sharing the port (needs a shared channel layer)', 1))
    .addOption(
      new Option(
        '--metrics-port <port>',
        'serve Prometheus metrics on this port at /metrics (needs prom-client; with --workers, one endpoint for all)',
      ).argParser(port),
    )
    .option(
      '--metrics-host <host>',
      'interface of the metrics port; 0.0.0.0 for a scraper on another host (keep it off the public network)',
      '127.0.0.1',
    )
    .addOption(
      new Option(
        '--status-token <token>',
        'turn on the live status page at /status on the metrics port, for requests carrying this token',
      ).env('TSCHANNELS_STATUS_TOKEN'),
    )
    .addOption(
      new Option('--log-format <format>', 'access log and server messages as text lines or JSON records')
        .choices(['text', 'json'])
        .default('text'),
    )
    .option(
      '--health-path <path>',
      'answer liveness probes on <path> and readiness probes on <path>/ready (e.g. /healthz)',
    )
    .action(async (target: string, flags: ServeFlags) => {
      process.exitCode = await runServe(target, flags)
    })
  addWorkerCommand(program)
  return program
}

async function runServe(target: string, flags: ServeFlags): Promise<number> {
  const log = (line: string): void => void process.stderr.write(`tschannels: ${line}\n`)
  const app = await loadApplication(target)
  if (flags.statusToken !== undefined && flags.metricsPort === undefined && !isClusterWorker()) {
    // Not a usage error: the token may come from the environment of a deployment without metrics.
    log('a status token is set but --metrics-port is not: no status page (it is served on the metrics port).')
  }
  if (flags.workers > 1 && !isClusterWorker()) {
    const refusal = await checkLayerForWorkers()
    if (refusal !== null) throw new ImproperlyConfigured(refusal)
    log(`starting ${flags.workers} workers; primary pid ${process.pid}`)
    if (flags.metricsPort !== undefined) {
      const { clusterMetricsSource } = await import('./metrics.js')
      await startMetricsPort(clusterMetricsSource(), flags, log)
    }
    const primary = runPrimary(flags.workers, log, npmRepeatWindow())
    stopWithNpm((why) => primary.drain(why))
    const code = await primary.exited
    // Whatever the application module opened when it was imported here (a
    // Redis client, a database pool) would otherwise keep the primary alive.
    process.exit(code)
  }
  const options: ServeOptions = {
    host: flags.host,
    port: flags.port,
    socketPath: flags.unixSocket,
    rootPath: flags.rootPath,
    proxyHeaders: flags.proxyHeaders,
    pingInterval: flags.pingInterval * 1000,
    pingTimeout: flags.pingTimeout * 1000,
    maxMessageSize: flags.maxMessageSize,
    perMessageDeflate: flags.perMessageDeflate,
    handshakeTimeout: flags.handshakeTimeout * 1000,
    httpResponseTimeout: flags.httpTimeout * 1000,
    applicationCloseTimeout: flags.applicationCloseTimeout * 1000,
    sendBufferLimit: Math.max(flags.sendBufferLimit, 1),
    sendHighWaterMark: Math.min(defaultServeOptions.sendHighWaterMark, flags.sendBufferLimit),
    connectionBufferLimit: flags.connectionBufferLimit,
    idleReaderTimeout: flags.idleReaderTimeout * 1000,
    drainWindow: flags.drainWindow * 1000,
    accessLog: flags.accessLog,
    healthPath: flags.healthPath,
    structuredLogger: flags.logFormat === 'json' ? jsonLogger(process.stdout) : undefined,
  }
  let metricsPort: { close(): Promise<void> } | undefined
  if (flags.metricsPort !== undefined) {
    const { ServerMetrics, reportToPrimary } = await import('./metrics.js')
    const metrics = new ServerMetrics()
    options.metrics = metrics
    // A worker's metrics are served by the primary, summed with the others'.
    if (isClusterWorker()) reportToPrimary(metrics)
    else metricsPort = await startMetricsPort(metrics, flags, log)
  }
  const handle = await serve(app, options)
  const address = handle.address()
  log(
    `listening on ${typeof address === 'string' ? address : `http://${address.address}:${address.port}`} (pid ${process.pid})`,
  )
  const exit = (code: number) => () => process.exit(code)
  if (isClusterWorker())
    superviseWorker(
      () => handle.close(),
      (code) => process.exit(code),
    )
  else {
    const signals = installSignalHandlers(() => handle.close().finally(() => metricsPort?.close()), {
      onDrained: exit(0),
      onForced: exit(1),
      log,
      repeatWindowMs: npmRepeatWindow(),
    })
    stopWithNpm((why) => signals.drain(why))
  }
  return 0
}

/** Serves `source` on `--metrics-port`, with the status page when `--status-token` is set. */
async function startMetricsPort(
  source: ServerMetrics | MetricsSource,
  flags: ServeFlags,
  log: (line: string) => void,
): Promise<{ close(): Promise<void> }> {
  const { serveMetrics } = await import('./metrics.js')
  const server = await serveMetrics(source, {
    port: flags.metricsPort!,
    // Its own interface, loopback unless asked: the application's --host is often 0.0.0.0.
    host: flags.metricsHost,
    statusToken: flags.statusToken,
  })
  const { address, port } = server.address()
  const base = `http://${address.includes(':') ? `[${address}]` : address}:${port}`
  log(`metrics on ${base}/metrics${flags.statusToken === undefined ? '' : `, status page on ${base}/status`}`)
  return server
}

/**
 * Under npm, drains once the npm process that started us is gone: a SIGTERM
 * to `npx` reaches only the shell it runs us in (see parent-watch.ts).
 */
function stopWithNpm(drain: (why: string) => void): void {
  if (startedByNpm()) watchParent(() => drain('The npm process that started this server has exited'))
}

/** Under npm a Ctrl-C arrives twice (from the terminal, and forwarded by npm): one second apart is one request. */
function npmRepeatWindow(): number {
  return startedByNpm() ? 1_000 : 0
}

/** The version in the package.json beside `src/` (in the repository) or `dist/` (installed). */
function packageVersion(): string {
  const require = createRequire(import.meta.url)
  return (require('../package.json') as { version: string }).version
}

function port(value: string): number {
  const parsed = Number(value)
  if (!/^\d+$/.test(value) || parsed > 65535)
    throw new InvalidArgumentError('expected an integer from 0 to 65535.')
  return parsed
}

function num(flags: string, description: string, fallback: string): Option {
  return new Option(flags, description).default(Number(fallback)).argParser((value) => {
    const parsed = Number(value)
    if (value.trim() === '' || !Number.isFinite(parsed) || parsed < 0)
      throw new InvalidArgumentError('expected a number >= 0.')
    return parsed
  })
}

function int(flags: string, description: string, fallback: number): Option {
  return new Option(flags, description).default(fallback).argParser((value) => {
    const parsed = Number(value)
    if (!/^\d+$/.test(value) || parsed < 1) throw new InvalidArgumentError('expected a positive integer.')
    return parsed
  })
}

async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv)
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are "errors" to commander; they exit 0.
      process.exit(error.exitCode === 0 ? 0 : USAGE_ERROR)
    }
    if (isImportFailure(error)) {
      process.stderr.write(`tschannels: importing the application failed:\n\n`)
      // Uncaught, so Node prints it as plain node would: a syntax error with
      // its file, line and caret (which only Node can see), anything else with
      // its stack. Node exits with 1, the start-up failure code.
      throw error
    }
    const message = error instanceof Error ? error.message : String(error)
    process.stderr.write(`tschannels: ${message}\n`)
    // A bad target or option is a usage error; a failure while starting (the
    // module threw, the port is taken) is not.
    const usage = error instanceof ImproperlyConfigured && !(error.cause instanceof Error)
    process.exit(usage ? USAGE_ERROR : 1)
  }
}

await main(process.argv)
