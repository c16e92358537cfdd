/**
 * The `tschannels worker` subcommand: `tschannels worker --app
 * path/to/asgi.js#application thumbnails emails` runs `runWorker` for those
 * channels, as `manage.py runworker thumbnails emails` does in Channels.
 * The module is loaded as `tschannels serve` loads it and should configure
 * the channel layer (for example from `REDIS_URL`) when it is imported.
 *
 * @module
 */

import { InvalidArgumentError } from 'commander'
import type { Command } from 'commander'

import { getChannelLayer } from '../layers/registry.js'
import { loadApplication } from '../server/load-application.js'
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
      'seconds to finish the messages in hand after SIGTERM',
      parseSeconds,
      30,
    )
    .action(async (channels: string[], flags: { app: string; layer: string; shutdownTimeout: number }) => {
      const application = await loadApplication(flags.app)
      const running = runWorker(application, channels, {
        channelLayerAlias: flags.layer,
        handleSignals: true,
        shutdownTimeout: flags.shutdownTimeout,
      })
      process.stderr.write(`tschannels: worker consuming ${channels.join(', ')} (pid ${process.pid})\n`)
      await running
      // The layer's connections (Redis) would otherwise keep the process alive after a drain.
      await getChannelLayer(flags.layer)?.close()
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
