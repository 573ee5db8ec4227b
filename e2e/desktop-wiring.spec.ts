// The renderer's side of the desktop app, in Chromium: a stand-in for Electron's preload gives the
// page a `window.hearth` whose port is bridged to a peer's WebSocket, records what the page tells
// the main process, and lets the test play the main process: a notification click, the core host
// crashing, restarting and running again. Screenshots: notification-open.png, host-restarting.png.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Page } from '@playwright/test'
import type { Message } from '../shared/api/index.ts'
import type { HostStatus, MessageTarget } from '../renderer/platform/desktop-api.ts'
import { skipWithoutWebUi, test } from './fixtures/test.ts'
import { entryId, OTHER, startFakePeer, twoOfUs, type FakePeer } from './harness/fake-peer.ts'

const DIST = fileURLToPath(new URL('../renderer/dist/', import.meta.url))
const SHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url))
const COUNT = 300

const kitchen = twoOfUs(entryId(2), 'Kitchen')

function message(i: number): Message {
  return {
    id: entryId(i + 100),
    author: OTHER,
    authorName: 'Other',
    text: `note ${i}`,
    ts: Date.UTC(2026, 0, 1) + i * 60_000,
    replyTo: null,
    editedAt: null,
    deleted: false,
    reactions: {},
    verified: true,
    attachments: [],
  }
}

/** What the stand-in preload records, as the page sees it. */
interface Recorded {
  viewed: (string | null)[]
  ports: number
}

// Runs in the page before any of its scripts: the same shape preload.ts exposes, backed by a
// WebSocket to the peer instead of a MessagePort from the main process.
function fakePreload(): void {
  const token = new URLSearchParams(window.location.search).get('token') ?? ''
  const hostListeners = new Set<(status: unknown) => void>()
  const openListeners = new Set<(target: unknown) => void>()
  const recorded = { viewed: [] as (string | null)[], ports: 0 }
  let next = 0
  Object.assign(window, {
    __recorded: recorded,
    __hostStatus: (status: unknown) => hostListeners.forEach((l) => l(status)),
    __openMessage: (target: unknown) => openListeners.forEach((l) => l(target)),
    hearth: {
      requestPort() {
        const requestId = ++next
        const channel = new MessageChannel()
        const socket = new WebSocket(`ws://${window.location.host}/`, [`hearth.${token}`])
        const waiting: string[] = []
        socket.addEventListener('open', () => waiting.splice(0).forEach((m) => socket.send(m)))
        socket.addEventListener('message', (e: MessageEvent) => channel.port1.postMessage(e.data))
        socket.addEventListener('close', () => channel.port1.close())
        channel.port1.onmessage = (e: MessageEvent<string>) => {
          if (socket.readyState === WebSocket.OPEN) socket.send(e.data)
          else waiting.push(e.data)
        }
        recorded.ports++
        setTimeout(() => {
          window.postMessage({ type: 'hearth:port', requestId }, window.location.origin, [
            channel.port2,
          ])
        })
        return requestId
      },
      openFiles: async () => [],
      saveFile: async () => null,
      revealInFolder: async () => {},
      openExternal: async () => false,
      setViewedGroup: (groupId: string | null) => recorded.viewed.push(groupId),
      onHostStatus(listener: (status: unknown) => void) {
        hostListeners.add(listener)
        return () => hostListeners.delete(listener)
      },
      onOpenMessage(listener: (target: unknown) => void) {
        openListeners.add(listener)
        return () => openListeners.delete(listener)
      },
    },
  })
}

test.describe('desktop wiring in the renderer', () => {
  // One page for all: each test goes on from the state the one before left.
  test.describe.configure({ mode: 'serial' })
  skipWithoutWebUi()

  let fake: FakePeer
  let page: Page
  const errors: Error[] = []
  const messages = Array.from({ length: COUNT }, (_, i) => message(i))

  const recorded = () =>
    page.evaluate(() => (window as unknown as { __recorded: Recorded }).__recorded)
  const hostStatus = (status: HostStatus) =>
    page.evaluate(
      (s) => (window as unknown as { __hostStatus(s: unknown): void }).__hostStatus(s),
      status,
    )
  const openMessage = (target: MessageTarget) =>
    page.evaluate(
      (t) => (window as unknown as { __openMessage(t: unknown): void }).__openMessage(t),
      target,
    )

  test.beforeAll(async ({ browser }) => {
    fs.mkdirSync(SHOTS, { recursive: true })
    fake = await startFakePeer({ staticDir: DIST, messages, otherGroups: [kitchen] })
    page = await browser.newPage({ viewport: { width: 1200, height: 800 }, locale: 'en-US' })
    page.on('pageerror', (err) => errors.push(err))
    await page.addInitScript(fakePreload)
    await page.goto(fake.bridge.webUrl ?? '')
    await page.getByRole('button', { name: /Big group/ }).waitFor()
  })

  test.afterAll(async () => {
    await page?.context().close()
    await fake?.close()
  })

  test('the page tells the main process which group is on screen', async () => {
    await page.getByRole('button', { name: /Kitchen/ }).click()
    await page.getByRole('heading', { name: 'Kitchen' }).waitFor()
    await page.getByRole('button', { name: /Big group/ }).click()
    await page.getByRole('heading', { name: 'Big group' }).waitFor()
    const { viewed } = await recorded()
    assert.deepEqual(viewed.slice(-2), [kitchen.groupId, fake.group.groupId])
    assert.equal(viewed[0], null, 'no group was on screen at first')
  })

  test('a notification click opens its group and shows the message, highlighted', async () => {
    await page.getByRole('button', { name: /Kitchen/ }).click()
    await page.getByRole('heading', { name: 'Kitchen' }).waitFor()
    const target = messages[20] as Message
    await openMessage({ groupId: fake.group.groupId, messageId: target.id })
    await page.getByRole('heading', { name: 'Big group' }).waitFor()
    const shown = page.locator(`[data-message-id="${target.id}"]`)
    await shown.and(page.locator('.highlighted')).waitFor()
    const list = await page.getByTestId('message-list').boundingBox()
    const box = await shown.boundingBox()
    assert.ok(list && box, 'both are on the page')
    assert.ok(box.y >= list.y && box.y + box.height <= list.y + list.height, 'in view')
    await page.screenshot({ path: path.join(SHOTS, 'notification-open.png') })
    assert.equal((await recorded()).viewed.at(-1), fake.group.groupId)
  })

  test('the core host crashing, restarting and running again is shown, then the page reconnects', async () => {
    const before = (await recorded()).ports
    await hostStatus({ state: 'crashed', restarts: 1, retryInMs: 2000, lastError: 'exit 1' })
    const banner = page.getByTestId('host-banner')
    await banner.getByText('stopped unexpectedly. Restarting in 2 s…').waitFor()
    await page.screenshot({ path: path.join(SHOTS, 'host-restarting.png') })
    await hostStatus({ state: 'starting', restarts: 1 })
    await banner.getByText('stopped unexpectedly and is restarting…').waitFor()
    await hostStatus({ state: 'running', restarts: 1 })
    await banner.getByText('Hearth is running again.').waitFor()
    // A new channel to the peer, and the app on it.
    await page.getByRole('button', { name: /Big group/ }).waitFor()
    assert.equal((await recorded()).ports, before + 1)
    assert.equal(await page.getByText('The connection to Hearth was lost.').count(), 0)
    await banner.getByRole('button', { name: 'Dismiss' }).click()
    assert.equal(await banner.count(), 0)
  })

  test('when the core host gives up, the person can try again', async () => {
    const before = (await recorded()).ports
    await hostStatus({ state: 'failed', restarts: 4, lastError: 'database locked' })
    const banner = page.getByTestId('host-banner')
    await banner.getByText('could not be restarted').waitFor()
    await banner.getByRole('button', { name: 'Try again' }).click()
    await page.getByRole('button', { name: /Big group/ }).waitFor()
    assert.equal((await recorded()).ports, before + 1, 'trying again asks for a new channel')
    await hostStatus({ state: 'running', restarts: 4 })
    await banner.getByText('Hearth is running again.').waitFor()
  })

  test('no page error', () => {
    assert.deepEqual(errors, [])
  })
})
