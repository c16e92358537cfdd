import { tmpdir } from 'node:os'
import { fileURLToPath, pathToFileURL } from 'node:url'

import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { buildPageIfStale, startChat } from './harness.js'
import type { RunningChat } from './harness.js'
import { hasChromium, launchChromium } from './needs.js'

const available = hasChromium()

// The screenshots in docs/ are refreshed only on request (UPDATE_SCREENSHOTS=1),
// so that running the tests never changes tracked files.
const SHOTS =
  process.env.UPDATE_SCREENSHOTS === '1'
    ? new URL('../../../docs/', import.meta.url)
    : pathToFileURL(`${tmpdir()}/`)
const SCREENSHOT = fileURLToPath(new URL('chat-screenshot.png', SHOTS))
const PHONE_SCREENSHOT = fileURLToPath(new URL('chat-screenshot-phone.png', SHOTS))
const STEP = 10_000

let chat: RunningChat
let browser: Browser

beforeAll(async () => {
  if (!available) return
  buildPageIfStale()
  chat = await startChat()
  browser = await launchChromium()
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await chat?.close()
})

/** A new browser context (its own cookies), registered and logged in through the page. */
async function signUp(username: string, viewport = { width: 1280, height: 800 }): Promise<Page> {
  const context = await browser.newContext({ viewport, colorScheme: 'light' })
  const page = await context.newPage()
  page.setDefaultTimeout(STEP)
  await page.goto(chat.base + '/')
  await page.getByTestId('login-username').fill(username)
  await page.getByTestId('login-password').fill('correct horse battery')
  await page.getByTestId('register-submit').click()
  await page.locator('body[data-view="chat"]').waitFor()
  await expect.poll(() => page.getByTestId('current-user').textContent(), { timeout: STEP }).toBe(username)
  return page
}

async function join(page: Page, room: string): Promise<void> {
  await page.getByTestId('room-input').fill(room)
  await page.getByTestId('room-join').click()
  await page.locator(`body[data-room="${room}"]`).waitFor()
  await page.locator('[data-testid="connection-status"][data-state="open"]').waitFor()
}

async function say(page: Page, text: string): Promise<void> {
  await page.getByTestId('message-input').fill(text)
  await page.getByTestId('send-button').click()
}

const members = (page: Page): Promise<(string | null)[]> =>
  page
    .locator('[data-testid="member-list"] li')
    .evaluateAll((items: { getAttribute(name: string): string | null }[]) =>
      items.map((li) => li.getAttribute('data-username')),
    )

const texts = (page: Page) =>
  page.locator('[data-testid="message"] [data-testid="message-text"]').allTextContents()

describe.skipIf(!available)('chat in a real browser', () => {
  it('lets two users in one room chat and see each other, and shows a third in another room nothing', async () => {
    // A fresh database per run, so the plain names read well in the screenshot.
    const room = 'release-notes'
    const [alice, bob, carol] = ['alice', 'bob', 'carol']
    const alicePage = await signUp(alice)
    const bobPage = await signUp(bob)
    const carolPage = await signUp(carol)

    await join(alicePage, room)
    await join(bobPage, room)
    await join(carolPage, 'kitchen')
    await expect.poll(() => members(alicePage), { timeout: STEP }).toEqual([alice, bob].sort())
    await expect.poll(() => members(bobPage), { timeout: STEP }).toEqual([alice, bob].sort())

    await say(alicePage, 'Hi Bob! The release notes are ready for review.')
    await expect
      .poll(() => texts(bobPage), { timeout: STEP })
      .toEqual(['Hi Bob! The release notes are ready for review.'])
    await say(bobPage, 'Great, reading them now.')
    await say(bobPage, 'Looks good to me — ship it!')
    await say(alicePage, 'Done. Thanks!')
    const conversation = [
      'Hi Bob! The release notes are ready for review.',
      'Great, reading them now.',
      'Looks good to me — ship it!',
      'Done. Thanks!',
    ]
    await expect.poll(() => texts(alicePage), { timeout: STEP }).toEqual(conversation)
    await expect.poll(() => texts(bobPage), { timeout: STEP }).toEqual(conversation)

    expect(await texts(carolPage)).toEqual([])
    expect(await members(carolPage)).toEqual([carol])

    await alicePage.screenshot({ path: SCREENSHOT })

    // The same conversation at phone width, after a reload (history comes back).
    const phone = await alicePage.context().newPage()
    await phone.setViewportSize({ width: 390, height: 844 })
    await phone.goto(`${chat.base}/#${room}`)
    await phone.locator('[data-testid="connection-status"][data-state="open"]').waitFor({ timeout: STEP })
    await expect.poll(() => texts(phone), { timeout: STEP }).toEqual(conversation)
    await phone.screenshot({ path: PHONE_SCREENSHOT })

    // Bob leaves: Alice's member list follows.
    await bobPage.context().close()
    await expect.poll(() => members(alicePage), { timeout: STEP }).toEqual([alice])
    for (const page of [alicePage, carolPage]) await page.context().close()
  }, 90_000)

  it('keeps a logged-in user in the chat on a link that is not valid percent-encoding', async () => {
    const page = await signUp('dave')
    const banner = () => page.getByTestId('error-banner').textContent()
    // Followed from the page (a hashchange)...
    await page.goto(`${chat.base}/#%E0%A4%A`)
    await expect.poll(banner, { timeout: STEP }).toContain('does not name a valid room')
    // ...and opened afresh, which used to show the login form.
    await page.reload()
    await page.locator('body[data-view="chat"]').waitFor()
    await expect.poll(banner, { timeout: STEP }).toContain('does not name a valid room')
    // A valid room from there still opens.
    await join(page, 'after-bad-link')
    await page.context().close()
  }, 60_000)
})
