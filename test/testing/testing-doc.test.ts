/**
 * docs/testing.md says what the code does: the error message it quotes is
 * the one the communicator throws, and its settings sample runs as written.
 */

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterEach, describe, expect, it } from 'vitest'

import { WebsocketConsumer } from '../../src/consumers/websocket-consumer.js'
import { resetSettings } from '../../src/settings.js'
import { WebsocketCommunicator } from '../../src/testing/websocket-communicator.js'

const doc = readFileSync(new URL('../../docs/testing.md', import.meta.url), 'utf8')

/** The body of the first fenced block after `marker` (with `language`, or none). */
function blockAfter(marker: string, language = ''): string {
  const from = doc.indexOf(marker)
  expect(from).toBeGreaterThan(-1)
  const fence = new RegExp('```' + language + '\\n([\\s\\S]*?)\\n\\s*```').exec(doc.slice(from))
  return fence![1]!.replace(/^ {2}/gm, '')
}

afterEach(() => resetSettings())

describe('docs/testing.md', () => {
  it('quotes the message receiveFrom() throws for a close', async () => {
    class Unauthenticated extends WebsocketConsumer {
      override async connect(): Promise<void> {
        await this.accept()
        await this.close(4401)
      }
    }
    const client = new WebsocketCommunicator(Unauthenticated.asApp(), '/')
    await client.connect()
    const quoted = blockAfter('`receiveFrom()` throws `UnexpectedEvent`')
    await expect(client.receiveFrom()).rejects.toThrow(quoted)
    expect(quoted).toBe('Expected a websocket.send; the application sent websocket.close with code 4401.')
  })

  it('runs its settings sample as written', async () => {
    const sample = blockAfter('## Settings in tests', 'ts')
    expect(sample).toContain('overrideSettings(')
    // The sample imports 'tschannels'; the alias in vitest.config.ts resolves it to the sources.
    const file = join(mkdtempSync(join(tmpdir(), 'tschannels-testing-doc-')), 'sample.ts')
    writeFileSync(file, sample)
    await import(/* @vite-ignore */ file)
  })
})
