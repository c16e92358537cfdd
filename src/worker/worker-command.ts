/**
 * The `tschannels worker` subcommand: `tschannels worker --app
 * path/to/asgi.js#application thumbnails emails` runs `runWorker` for those
 * channels, as `manage.py runworker thumbnails emails` does in Channels.
 * The module is loaded as `tschannels serve` loads it and should configure
 * the channel layer (for example from `REDIS_URL`) when it is imported.
 *
 * It refuses to start when the application does not route a channel it was
 * given, or when the layer is in-memory (a worker process would then have a
 * layer of its own that no other process sends to). SIGTERM or SIGINT stops
 * it within `--shutdown-timeout`, whatever state the layer is in (a Redis
 * that stopped answering cannot hold it up); a second signal stops it at once.
 *
 * @module
 */

import { InvalidArgumentError } from 'commander'
import type { Command } from 'commander'

import { ImproperlyConfigured } from '../errors.js'
import { InMemoryChannelLayer } from '../layers/memory.js'
import { getChannelLayer } from '../layers/registry.js'
import { inMemoryLayerRefusal } from '../server/cluster.js'
import { loadApplication } from '../server/load-application.js'
import { settledWithin } from '../util/settled-within.js'
import { runWorker } from './run-worker.js'

/**
 * Adds the `worker` subcommand to a commander program.
 *
 * @example
 * ```ts
 * import { Command } from 'commander'
 *
 * const program = new Command('tschannels')
 * addWorkerCommand(program)
 * await program.parseAsync(process.argv)
 * ```
 */
export function addWorkerCommand(program: Command): Command {
  return program
    .command('worker')
    .description(
      'Consume named channels of the channel layer: tschannels worker --app asgi.js#application thumbnails',
    )
    .argument('<channels...>', 'names of the channels to consume')
    .requiredOption(
      '-a, --app <target>',
      "module path and export name, 'path/to/module.js#export' (export defaults to 'application')",
    )
    .option('--layer <alias>', 'channel layer alias to consume from', 'default')
    .option(
      '--shutdown-timeout <seconds>',
      'seconds to finish the messages in hand after SIGTERM before exiting anyway',
      parseSeconds,
      30,
    )
    .action(async (channels: string[], flags: { app: string; layer: string; shutdownTimeout: number }) => {
      const log = (line: string): void => void process.stderr.write(`tschannels: ${line}\n`)
      const application = await loadApplication(flags.app)
      const layer = getChannelLayer(flags.layer)
      if (layer instanceof InMemoryChannelLayer) {
        throw new ImproperlyConfigured(
          inMemoryLayerRefusal(
            `The channel layer '${flags.layer}' is in-memory, so this worker would have a layer of its own: ` +
              `messages other processes send to ${channels.map((c) => `'${c}'`).join(', ')} would never reach it.`,
            'or run the consumers in the process that sends to them',
          ),
        )
      }
      const stop = new AbortController()
      let deadline = Infinity
      const onSignal = (signal: NodeJS.Signals): void => {
        if (stop.signal.aborted) {
          log(`Received ${signal} again; exiting at once.`)
          process.exit(signal === 'SIGINT' ? 130 : 143)
        }
        log(`Received ${signal}; finishing the messages in hand (send it again to exit at once).`)
        deadline = Date.now() + flags.shutdownTimeout * 1000
        stop.abort()
      }
      process.on('SIGTERM', onSignal)
      process.on('SIGINT', onSignal)
      await runWorker(application, channels, {
        layer: layer ?? undefined,
        channelLayerAlias: flags.layer,
        signal: stop.signal,
        shutdownTimeout: flags.shutdownTimeout,
        onReady: () => log(`worker consuming ${channels.join(', ')} (pid ${process.pid})`),
      })
      // The layer's connections (Redis) would keep the process alive; closing
      // them must not outlast the shutdown timeout when Redis does not answer.
      const left = Number.isFinite(deadline) ? deadline - Date.now() : flags.shutdownTimeout * 1000
      if (layer !== null) await settledWithin(layer.close(), Math.max(0, left))
      process.exit(0)
    })
}

function parseSeconds(value: string): number {
  const seconds = Number(value)
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new InvalidArgumentError('expected a number of seconds, 0 or more')
  }
  return seconds
}
