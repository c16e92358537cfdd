/**
 * The README's own steps, on a real socket: its application served as
 * `tschannels serve` serves it (127.0.0.1, no ALLOWED_HOSTS, DEBUG off)
 * accepts a WebSocket from a page on the same machine, and the access log
 * says why a foreign page is refused.
 */

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { describe, expect, it, onTestFinished } from 'vitest'

import { resetChannelLayers } from '../../src/layers/registry.js'
import { overrideSettings } from '../../src/testing/override-settings.js'
import type { Application } from '../../src/types.js'
import { openClient, quietLogger, startServer } from './helpers.js'

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
// The README's first TypeScript block is its application (its fence may carry marks such as file=app.ts).
const appBlock = [...readme.matchAll(/```ts[^\n]*\n([\s\S]*?)```/g)].map((match) => match[1]!)[0]!

async function readmeApplication(): Promise<Application> {
  const file = join(mkdtempSync(join(tmpdir(), 'tschannels-readme-')), 'app.ts')
  writeFileSync(file, appBlock)
  const { application } = (await import(/* @vite-ignore */ file)) as { application: Application }
  return application
}

describe('the README application, served', () => {
  it('accepts a page from this machine with no ALLOWED_HOSTS and DEBUG off, and logs why others are refused', async () => {
    onTestFinished(() => resetChannelLayers())
    // What a fresh shell has: no ALLOWED_HOSTS, no DEBUG.
    onTestFinished(overrideSettings({ allowedHosts: [], debug: false }).restore)
    const lines: string[] = []
    const { ws, port } = await startServer(await readmeApplication(), {
      accessLog: (line) => lines.push(line),
      logger: quietLogger(),
    })
    const local = await openClient(`${ws}/ws/rooms/lobby/`, undefined, {
      headers: { origin: `http://localhost:${port}` },
    })
    expect(local.kind).toBe('open')
    const foreign = await openClient(`${ws}/ws/rooms/lobby/`, undefined, {
      headers: { origin: 'https://evil.example' },
    })
    expect(foreign).toMatchObject({ kind: 'rejected', status: 403 })
    expect(
      lines.some((line) =>
        line.endsWith(
          `"WSREJECT /ws/rooms/lobby/" 403 - Origin 'https://evil.example' is not local (ALLOWED_HOSTS is empty)`,
        ),
      ),
    ).toBe(true)
  })
})
