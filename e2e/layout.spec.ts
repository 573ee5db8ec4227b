// The layout holds up against what people actually type: names and words far longer than the
// space for them, right-to-left text, a name carrying a bidi override, unverified, deleted and
// orphaned replies, a pile of reactions, an empty group and a narrow window. Nothing may widen
// the page or leave its column, right-to-left text must read right to left, and the keyboard focus
// must show. Screenshots: edge-cases.png, focus-ring.png, empty-chat.png, narrow.png.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Page } from '@playwright/test'
import type { Group, Message } from '../shared/api/index.ts'
import { skipWithoutWebUi, test } from './fixtures/test.ts'
import { entryId, ME, OTHER, startFakePeer, type FakePeer } from './harness/fake-peer.ts'

const DIST = fileURLToPath(new URL('../renderer/dist/', import.meta.url))
const SHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url))

const SARA = '12D3KooWSaraSaraSaraSaraSaraSaraSaraSaraSaraSaraSara'
const EVE = '12D3KooWEveEveEveEveEveEveEveEveEveEveEveEveEveEve'
const LONG_NAME = 'Bartholomew-Maximilian-Featherstonehaugh-Cholmondeley-Worthington'
// U+202E turns the rest of its paragraph around: "Eve gnp.exe" would read "Eve exe.png".
const SPOOF_NAME = 'Eve \u202Egnp.exe'
const LONG_WORD = `https://example.com/${'very-long-path-segment/'.repeat(12)}end`
const RTL_TEXT = 'مرحبا بالجميع! هل نلتقي غدا في الساعة السادسة؟'

const group: Group = {
  groupId: entryId(1),
  name: 'Neighbours of the old mill road, upper floor and the garden side',
  role: 'admin',
  members: [
    { peerId: ME, name: 'Me', role: 'admin' },
    { peerId: OTHER, name: LONG_NAME, role: 'member' },
    { peerId: SARA, name: 'سارة', role: 'member' },
    { peerId: EVE, name: SPOOF_NAME, role: 'member' },
  ],
}
const empty: Group = {
  groupId: entryId(2),
  name: 'Empty group',
  role: 'admin',
  members: [
    { peerId: ME, name: 'Me', role: 'admin' },
    { peerId: OTHER, name: LONG_NAME, role: 'member' },
  ],
}

const start = Date.UTC(2026, 4, 9, 9, 0)
let next = 100
function message(author: string, authorName: string, text: string, extra: Partial<Message> = {}) {
  const m: Message = {
    id: entryId(next),
    author,
    authorName,
    text,
    ts: start + next * 90_000,
    replyTo: null,
    editedAt: null,
    deleted: false,
    reactions: {},
    verified: true,
    attachments: [],
    ...extra,
  }
  next++
  return m
}

const messages: Message[] = [
  message(OTHER, LONG_NAME, 'Hello everyone, here is the link for the garden plan:'),
  message(OTHER, LONG_NAME, LONG_WORD),
  message(SARA, 'سارة', RTL_TEXT),
  message(EVE, SPOOF_NAME, 'This line must read left to right after my name.'),
  message(ME, 'Me', 'Replying to something that is not loaded here', { replyTo: entryId(99) }),
  message(OTHER, LONG_NAME, 'A message whose author Hearth could not confirm yet', {
    verified: false,
  }),
  message(ME, 'Me', '', { deleted: true }),
  message(ME, 'Me', 'So many reactions', {
    reactions: {
      '👍': [OTHER, SARA],
      '❤️': [EVE],
      '😂': [OTHER],
      '😮': [SARA],
      '😢': [EVE],
      '🙏': [ME, OTHER, SARA, EVE],
    },
  }),
]
messages.push(
  message(SARA, 'سارة', 'שלום! Hearth 2.0 עובד מצוין', { replyTo: messages[2]?.id ?? null }),
)

/** Elements matching `selector` that stick out of their column or widen the page. */
function overflowing(page: Page, selector: string): Promise<string[]> {
  return page.evaluate((sel) => {
    const problems: string[] = []
    const root = document.documentElement
    if (root.scrollWidth > root.clientWidth) problems.push(`page is ${root.scrollWidth}px wide`)
    for (const el of document.querySelectorAll(sel)) {
      const column = el.closest('.message-list, .sidebar, .peers-panel, .chat-header')
      if (column === null) continue
      const box = el.getBoundingClientRect()
      const bounds = column.getBoundingClientRect()
      if (box.left < bounds.left - 0.5 || box.right > bounds.right + 0.5) {
        problems.push(`${sel} "${(el.textContent ?? '').slice(0, 30)}" leaves its column`)
      }
    }
    return problems
  }, selector)
}

/** WCAG relative luminance of a computed "rgb(r, g, b)" colour. */
function luminance(rgb: string): number {
  const [r = 0, g = 0, b = 0] = (rgb.match(/\d+(\.\d+)?/g) ?? []).map((c) => {
    const v = Number(c) / 255
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4
  })
  return 0.2126 * r + 0.7152 * g + 0.0722 * b
}

/** Buttons whose words do not fit inside them. */
function clippedButtons(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('button')]
      .filter((b) => b.offsetParent !== null && b.scrollWidth > b.clientWidth + 1)
      .map((b) => b.textContent ?? ''),
  )
}

test.describe('layout with hostile and unusual content', () => {
  // One page for all: each test goes on from the state the one before left.
  test.describe.configure({ mode: 'serial' })
  skipWithoutWebUi()

  let fake: FakePeer
  let page: Page
  const errors: Error[] = []

  test.beforeAll(async ({ browser }) => {
    fs.mkdirSync(SHOTS, { recursive: true })
    fake = await startFakePeer({ staticDir: DIST, messages, group, otherGroups: [empty] })
    page = await browser.newPage({
      viewport: { width: 1280, height: 800 },
      locale: 'en-US',
      timezoneId: 'UTC',
    })
    page.on('pageerror', (err) => errors.push(err))
    await page.goto(fake.bridge.webUrl ?? '')
    await page.getByRole('button', { name: /Neighbours/ }).click()
    await page.getByTestId('message-text').filter({ hasText: 'Hearth 2.0' }).waitFor()
  })

  test.afterAll(async () => {
    await page?.context().close()
    await fake?.close()
  })

  test('long names and words stay inside their columns', async () => {
    const selectors = [
      '.bubble',
      '.message-header',
      '.reactions',
      '.group-item',
      '.member',
      '.chat-title',
    ]
    for (const selector of selectors) assert.deepEqual(await overflowing(page, selector), [])
    assert.deepEqual(await clippedButtons(page), [])
    const truncated = await page
      .locator('.chat-title h2')
      .evaluate((el) => el.scrollWidth > el.clientWidth)
    assert.ok(truncated, 'the long group name is cut with an ellipsis, not wrapped or spilled')
    await page.screenshot({ path: path.join(SHOTS, 'edge-cases.png') })
  })

  test('right-to-left text reads right to left, and a bidi override stays in its name', async () => {
    const rtl = page.getByTestId('message-text').filter({ hasText: 'مرحبا' })
    assert.equal(await rtl.evaluate((el) => getComputedStyle(el).direction), 'rtl')
    const ltr = page.getByTestId('message-text').filter({ hasText: 'must read left to right' })
    assert.equal(await ltr.evaluate((el) => getComputedStyle(el).direction), 'ltr')
    // Every name sits in its own isolate, so its override ends where the name ends.
    const names = page.locator('.author, .member-name, .group-name, .group-preview')
    const isolated = await names.evaluateAll((els) =>
      els.map((el) => getComputedStyle(el).unicodeBidi),
    )
    assert.ok(isolated.length > 5)
    assert.deepEqual(
      isolated.filter((v) => v !== 'isolate'),
      [],
      'names and previews are bidi isolates',
    )
  })

  test('unverified, deleted and orphaned replies say so', async () => {
    const list = page.getByTestId('message-list')
    await list.getByText('Unverified').waitFor()
    await list.getByText('This message was deleted.').waitFor()
    await list.getByText('The original message is not loaded.').waitFor()
  })

  test('the keyboard focus is visible, and it brings up the message actions', async () => {
    await page.getByTestId('composer').focus()
    await page.keyboard.press('Shift+Tab')
    await page.keyboard.press('Shift+Tab')
    const focused = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement
      const style = getComputedStyle(el)
      const toolbar = el.closest('[role="toolbar"]')
      return {
        label: el.getAttribute('aria-label'),
        outline: `${style.outlineStyle} ${parseFloat(style.outlineWidth)}`,
        toolbarShown: toolbar === null ? null : getComputedStyle(toolbar).opacity,
      }
    })
    assert.equal(focused.outline, 'solid 3', `the focus ring shows on ${focused.label}`)
    assert.equal(focused.toolbarShown, '1', 'the focused action bar is visible')
    await page.screenshot({ path: path.join(SHOTS, 'focus-ring.png') })
  })

  test('an empty group says so instead of showing a blank space', async () => {
    await page.getByRole('button', { name: /Empty group/ }).click()
    await page.getByText('No messages yet. Say hello!').waitFor()
    await page.mouse.move(640, 400)
    await page.screenshot({ path: path.join(SHOTS, 'empty-chat.png') })
  })

  test('a narrow window keeps everything inside', async () => {
    await page.setViewportSize({ width: 900, height: 700 })
    await page.getByRole('button', { name: /Neighbours/ }).click()
    await page.getByTestId('message-text').filter({ hasText: 'Hearth 2.0' }).waitFor()
    for (const selector of ['.bubble', '.group-item', '.member', '.chat-header-actions']) {
      assert.deepEqual(await overflowing(page, selector), [])
    }
    assert.deepEqual(await clippedButtons(page), [])
    await page.screenshot({ path: path.join(SHOTS, 'narrow.png') })
  })

  test('dark mode keeps text readable', async () => {
    await page.emulateMedia({ colorScheme: 'dark' })
    const text = page.getByTestId('message-text').filter({ hasText: 'Hearth 2.0' })
    const [fg, bg] = await text.evaluate((el) => {
      const bubble = el.closest('.bubble') as HTMLElement
      return [getComputedStyle(el).color, getComputedStyle(bubble).backgroundColor]
    })
    assert.ok(luminance(bg ?? '') < 0.1, `the bubble is dark (${bg})`)
    const ratio = (luminance(fg ?? '') + 0.05) / (luminance(bg ?? '') + 0.05)
    assert.ok(ratio >= 7, `text contrast ${ratio.toFixed(1)}:1`)
    await page.screenshot({ path: path.join(SHOTS, 'dark.png') })
    assert.deepEqual(errors, [])
  })
})
