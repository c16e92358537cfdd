/**
 * The skip-or-fail rule of test/services.ts, seen the way a developer sees
 * it: vitest's default reporter, run on a file whose service is missing.
 */

import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { stripVTControlCharacters } from 'node:util'

import { describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../', import.meta.url))
const VITEST = fileURLToPath(new URL('../node_modules/vitest/vitest.mjs', import.meta.url))
// Nothing listens on port 1.
const DEAD_REDIS = 'redis://127.0.0.1:1'

function runVitest(file: string, env: Record<string, string>): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [VITEST, 'run', file, '--reporter=default'],
      { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', ...env }, timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({
          code: error ? Number(error.code ?? 1) : 0,
          // Colours, should a terminal setting bring them back, are not part of the words.
          output: stripVTControlCharacters(stdout + stderr),
        }),
    )
  })
}

describe('tests that need a missing service', () => {
  it('are skipped, and the default reporter shows why under the file name', async () => {
    const { code, output } = await runVitest('test/sessions/redis-store.test.ts', {
      REDIS_URL: DEAD_REDIS,
      REQUIRE_SERVICES: '',
    })
    expect(code, output).toBe(0)
    expect(output).toMatch(
      /stderr \| test\/sessions\/redis-store\.test\.ts\s+skipped: Redis unreachable at redis:\/\/127\.0\.0\.1:1: connect ECONNREFUSED/,
    )
    expect(output).toMatch(/1 skipped/)
  }, 60_000)

  it('fail the run instead with REQUIRE_SERVICES=1', async () => {
    const { code, output } = await runVitest('test/sessions/redis-store.test.ts', {
      REDIS_URL: DEAD_REDIS,
      REQUIRE_SERVICES: '1',
    })
    expect(code).not.toBe(0)
    expect(output).toContain('REQUIRE_SERVICES=1 but Redis unreachable at redis://127.0.0.1:1')
  }, 60_000)
})
