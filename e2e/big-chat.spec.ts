// A chat with 100,000 messages stays usable: 99,000 of them arrive as one burst of events (as
// after a long time offline), yet the page keeps only a screenful of rows in the DOM, follows the
// newest message, scrolls to the oldest and still sends.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Page } from '@playwright/test'
import type { Message } from '../shared/api/index.ts'
import { skipWithoutWebUi, test } from './fixtures/test.ts'
import { entryId, OTHER, startFakePeer, type FakePeer } from './harness/fake-peer.ts'

const DIST = fileURLToPath(new URL('../renderer/dist/', import.meta.url))
const SHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url))
const TOTAL = 100_000
const FIRST_PAGE = 1000
// Rows in the DOM at most: a screenful plus overscan, nowhere near the number of messages.
const MAX_ROWS = 120

function message(i: number): Message {
  return {
    id: entryId(i + 100),
    author: OTHER,
    authorName: 'Other',
    text: `message ${i}${i % 7 === 0 ? '\nwith a second line' : ''}`,
    // Every message a minute apart: the list also carries many day separators.
    ts: Date.UTC(2025, 0, 1) + i * 60_000,
    replyTo: null,
    editedAt: null,
    deleted: false,
    reactions: {},
    verified: true,
    attachments: [],
  }
}

test.describe('a chat with 100,000 messages', () => {
  // One page and one chat for all: each test goes on from the state the one before left.
  test.describe.configure({ mode: 'serial' })
  skipWithoutWebUi()

  let fake: FakePeer
  let page: Page
  const errors: Error[] = []

  const rowsInDom = () => page.getByTestId('message').count()
  const messageText = (text: string) =>
    page.getByTestId('message-text').filter({ hasText: new RegExp(`^${text}$`) })

  test.beforeAll(async ({ browser }) => {
    fs.mkdirSync(SHOTS, { recursive: true })
    const initial = Array.from({ length: FIRST_PAGE }, (_, i) => message(i))
    fake = await startFakePeer({ staticDir: DIST, messages: initial })
    page = await browser.newPage({ viewport: { width: 1200, height: 800 }, locale: 'en-US' })
    page.on('pageerror', (err) => errors.push(err))
    await page.goto(fake.bridge.webUrl ?? '')
    await page.getByRole('button', { name: /Big group/ }).click()
    await fake.listed()
    // Everything is unread, so the chat opens at the first message; go to the newest.
    await page.getByRole('separator').filter({ hasText: 'New messages' }).waitFor()
    await page.getByRole('button', { name: 'Jump to latest' }).click()
    await messageText(`message ${FIRST_PAGE - 1}`).waitFor()
  })

  test.afterAll(async () => {
    await page?.context().close()
    await fake?.close()
  })

  test('a burst of 99,000 new messages renders a screenful, following the newest', async () => {
    // The burst alone may take minutes on a loaded machine (its wait below allows four).
    test.slow()
    const started = Date.now()
    for (let i = FIRST_PAGE; i < TOTAL; i++) {
      const m = message(i)
      fake.messages.push(m)
      fake.emit('messageAdded', { groupId: fake.group.groupId, message: m })
    }
    // Each event is its own WebSocket frame; the browser's frame rate, not the list, sets the pace.
    await messageText(`message ${TOTAL - 1}`).waitFor({ timeout: 240_000 })
    console.log(
      `# ${TOTAL - FIRST_PAGE} messages arrived and rendered in ${Date.now() - started} ms`,
    )
    const rows = await rowsInDom()
    assert.ok(rows > 0 && rows <= MAX_ROWS, `${rows} message rows in the DOM`)
    await page.screenshot({ path: path.join(SHOTS, 'big-chat.png') })
  })

  test('scrolling to the top reaches the oldest loaded message', async () => {
    const list = page.getByTestId('message-list')
    await list.evaluate((el) => el.scrollTo({ top: 0 }))
    await messageText('message 1').waitFor()
    const rows = await rowsInDom()
    assert.ok(rows <= MAX_ROWS, `${rows} message rows in the DOM`)
    await page.getByRole('button', { name: 'Jump to latest' }).click()
    await messageText(`message ${TOTAL - 1}`).waitFor()
  })

  test('sending still works and the new message shows at the end', async () => {
    const composer = page.getByTestId('composer')
    await composer.fill('still responsive')
    await composer.press('Enter')
    await messageText('still responsive').waitFor()
    assert.deepEqual(errors, [])
  })
})
