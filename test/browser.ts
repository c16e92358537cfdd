/**
 * Headless Chromium for the browser tests: Debian's `chromium`, started with
 * the flags this closed network needs (no background connections, no QUIC),
 * or a printed reason to skip when it is not installed (a failure under
 * `REQUIRE_SERVICES=1`, which CI sets after installing it).
 *
 * @module
 */

import { existsSync } from 'node:fs'

import { chromium } from 'playwright-core'
import type { Browser } from 'playwright-core'

import { announceSkip } from './services.js'

const CHROMIUM = '/usr/bin/chromium'

/**
 * Whether Chromium is installed; when it is not, prints why the calling file
 * skips its browser tests, or throws under `REQUIRE_SERVICES=1`.
 */
export function chromiumOrSkip(): boolean {
  if (existsSync(CHROMIUM)) return true
  if (process.env.REQUIRE_SERVICES === '1') throw new Error(`${CHROMIUM} is missing (REQUIRE_SERVICES=1)`)
  announceSkip(`${CHROMIUM} is missing: install Debian's chromium to run the browser tests`)
  return false
}

/** Starts headless Chromium. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    timeout: 30_000,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}
