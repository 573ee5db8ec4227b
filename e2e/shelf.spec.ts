// The shelf in Debian's Chromium against two real peers (separate processes, own data folders):
// Alice drags a file onto her shelf; Bob, who fetches nothing on his own, sees where it is,
// downloads it with a progress bar, and both see the new availability; Bob sends a photo in the
// chat and Alice sees its thumbnail, drawn from the bytes by her own page; file names carrying
// HTML, a reserved Windows name and bidi characters show literally and save under a safe name;
// saving a program asks first. Screenshots land in e2e/screenshots/.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser, Locator, Page } from '@playwright/test'
import { connectToPeer } from '../shared/cli/connect.ts'
import type { ApiClient } from '../shared/rpc/index.ts'
import { makeRoot, skipWithoutWebUi, test } from './fixtures/test.ts'
import { solidPng } from './fixtures/png.ts'
import { openWebPage, startWebPeer, type Person } from './fixtures/web-peer.ts'

const SHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url))
const MiB = 1024 * 1024
const HOSTILE = '<img src=x onerror="window.__pwned=1">CON.txt'

test.describe('shelf in the web UI with real peers', () => {
  // One story: each test goes on from where the one before it left Alice, Bob and their shelf.
  test.describe.configure({ mode: 'serial' })
  skipWithoutWebUi()

  let root: string
  let browser: Browser
  const people: Person[] = []
  const clients: ApiClient[] = []
  let alice: Person
  let bob: Person
  let groupId: string

  async function openPerson(dataDir: string, name: string, peers?: readonly string[]) {
    const peer = await startWebPeer({ dataDir, ...(peers !== undefined && { peers }) })
    const person = await openWebPage(browser, peer, { acceptDownloads: true })
    const { page } = person
    await page.getByLabel('Your name').fill(name)
    await page.getByRole('button', { name: 'Continue' }).click()
    await page.getByRole('button', { name: 'New group' }).waitFor()
    people.push(person)
    return person
  }

  async function api(person: Person): Promise<ApiClient> {
    const client = await connectToPeer(person.peer.dataDir)
    clients.push(client)
    return client
  }

  async function openShelf(page: Page): Promise<Locator> {
    await page.getByRole('button', { name: /Family/ }).click()
    await page.getByRole('tab', { name: 'Shelf' }).click()
    const shelf = page.getByTestId('shelf')
    await shelf.waitFor()
    return shelf
  }

  function fileRow(page: Page, name: string): Locator {
    return page
      .getByTestId('shelf-file')
      .filter({ has: page.getByTestId('file-name').getByText(name, { exact: true }) })
  }

  /** Drops files made of random bytes in the page onto `target`; returns their SHA-256s. */
  async function dropFiles(page: Page, target: Locator, files: { name: string; size: number }[]) {
    const made = await page.evaluateHandle(async (specs) => {
      const dataTransfer = new DataTransfer()
      const hashes: string[] = []
      for (const spec of specs) {
        const bytes = new Uint8Array(spec.size)
        for (let at = 0; at < bytes.length; at += 65_536) {
          crypto.getRandomValues(bytes.subarray(at, at + 65_536))
        }
        const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))
        hashes.push([...digest].map((b) => b.toString(16).padStart(2, '0')).join(''))
        dataTransfer.items.add(new File([bytes], spec.name))
      }
      return { dataTransfer, hashes }
    }, files)
    const dataTransfer = await made.evaluateHandle((m) => m.dataTransfer)
    for (const type of ['dragenter', 'dragover', 'drop']) {
      await target.dispatchEvent(type, { dataTransfer })
    }
    return made.evaluate((m) => m.hashes)
  }

  async function shot(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: path.join(SHOTS, `${name}.png`) })
  }

  test.beforeAll(async ({ browser: launched }) => {
    fs.mkdirSync(SHOTS, { recursive: true })
    root = makeRoot('shelf')
    browser = launched
    alice = await openPerson(path.join(root, 'alice'), 'Alice')
    bob = await openPerson(path.join(root, 'bob'), 'Bob', alice.peer.ready.addrs)
    const [a, b] = [await api(alice), await api(bob)]
    const created = await a.call('groups.create', { name: 'Family' })
    groupId = created.groupId
    await b.call('groups.join', { invite: created.invite })
    // Bob's device fetches nothing unasked: his downloads are the ones he starts.
    await b.call('shelf.setPolicy', { group: groupId, autoDownloadMaxBytes: 0 })
  })

  test.afterAll(async () => {
    for (const client of clients) client.close()
    for (const person of people) {
      await person.context.close()
      await person.peer.stop().catch((err: unknown) => console.error(err))
    }
    if (root) fs.rmSync(root, { recursive: true, force: true })
  })

  test('Alice drags a file onto her shelf; Bob sees it is only on her device', async () => {
    const shelf = await openShelf(alice.page)
    const [hash] = await dropFiles(alice.page, shelf, [
      // Larger than one fetch window (32 chunks of 1 MiB), so Bob's download runs long enough
      // for its progress to show between the page's renders.
      { name: 'holiday-video.mp4', size: 40 * MiB },
    ])
    const mine = fileRow(alice.page, 'holiday-video.mp4')
    await mine.getByTestId('local-state').getByText('On this device', { exact: true }).waitFor()
    await mine.getByText('Only on this device').waitFor()
    await shot(alice.page, 'shelf-added')

    await openShelf(bob.page)
    const theirs = fileRow(bob.page, 'holiday-video.mp4')
    await theirs.getByText('Only on Alice’s device — online').waitFor()
    await theirs.getByText('Not on this device').waitFor()
    assert.match((await theirs.textContent()) ?? '', /40 MB · Added by Alice/)
    const files = await (await api(bob)).call('shelf.list', { group: groupId })
    assert.equal(files[0]?.sha256, hash, 'the bytes that arrived are the ones dropped')
  })

  test('Bob downloads it with a progress bar; both then see two copies', async () => {
    const { page } = bob
    // Everything the progress line said while the download ran.
    await page.evaluate(() => {
      const seen: string[] = []
      Object.assign(window, { __progress: seen })
      new MutationObserver(() => {
        for (const el of document.querySelectorAll('[data-testid="transfer-progress"]')) {
          seen.push(el.textContent ?? '')
        }
        for (const el of document.querySelectorAll('[data-testid="local-state"]')) {
          seen.push(`LS ${el.textContent ?? ''}`)
        }
      }).observe(document.body, { subtree: true, childList: true, characterData: true })
    })
    const row = fileRow(page, 'holiday-video.mp4')
    await row.getByRole('button', { name: 'Download' }).click()
    await row.getByTestId('local-state').getByText('On this device', { exact: true }).waitFor()
    const progress = await page.evaluate(
      () => (window as unknown as { __progress: string[] }).__progress,
    )
    assert.ok(
      progress.some((line) => /^\d.* of 40 MB/.test(line)),
      `a progress line showed: ${JSON.stringify(progress.slice(0, 5))}`,
    )
    assert.ok(
      progress.some((line) => /B\/s/.test(line)),
      `with a rate: ${JSON.stringify(progress.slice(0, 8))}`,
    )
    await row.getByText('On 2 members’ devices, 1 online now').waitFor()
    await fileRow(alice.page, 'holiday-video.mp4')
      .getByText('On 2 members’ devices, 1 online now')
      .waitFor()
    await shot(page, 'shelf-downloaded')
  })

  test('Bob sends a photo in the chat; Alice sees a thumbnail her page drew', async () => {
    const { page } = bob
    await page.getByRole('tab', { name: 'Chat' }).click()
    await page.getByTestId('attach-input').setInputFiles({
      name: 'sunset.png',
      mimeType: 'image/png',
      buffer: solidPng(320, 200, [200, 30, 60]),
    })
    await page
      .getByTestId('pending-attachment')
      .getByText(/bytes|kB/)
      .waitFor()
    const composer = page.getByTestId('composer')
    await composer.fill('Look at this sky')
    await composer.press('Enter')

    await alice.page.getByRole('tab', { name: 'Chat' }).click()
    const message = alice.page.getByTestId('message').filter({ hasText: 'Look at this sky' })
    const canvas = message.locator('canvas.thumbnail.drawn')
    await canvas.waitFor()
    const pixel = await canvas.evaluate((el) => {
      const c = el as HTMLCanvasElement
      return [...(c.getContext('2d')?.getImageData(c.width >> 1, c.height >> 1, 1, 1).data ?? [])]
    })
    assert.deepEqual(pixel.slice(0, 3), [200, 30, 60], 'the thumbnail shows the photo')
    assert.deepEqual(
      await canvas.evaluate((el) => [
        (el as HTMLCanvasElement).width,
        (el as HTMLCanvasElement).height,
      ]),
      [320, 200],
      'small images are drawn at their size',
    )
    assert.equal(await message.locator('img').count(), 0, 'no <img> points at the file')
    await shot(alice.page, 'chat-attachment')
  })

  test('hostile names show literally, save under a safe name, and programs ask first', async () => {
    const long = `${'very long name '.repeat(40)}.pdf`
    await alice.page.getByRole('tab', { name: 'Shelf' }).click()
    await alice.page.getByTestId('shelf-file-input').setInputFiles([
      { name: HOSTILE, mimeType: 'text/plain', buffer: Buffer.from('hello') },
      {
        name: 'invoice\u202Efdp.exe',
        mimeType: 'application/octet-stream',
        buffer: Buffer.from('MZ'),
      },
      { name: long, mimeType: 'application/pdf', buffer: Buffer.from('%PDF') },
    ])
    const { page } = bob
    await page.getByRole('tab', { name: 'Shelf' }).click()
    const hostile = fileRow(page, HOSTILE)
    await hostile.waitFor()
    assert.equal(await hostile.getByTestId('file-name').textContent(), HOSTILE)
    assert.equal(await page.getByTestId('shelf-list').locator('img').count(), 0)
    assert.equal(await page.evaluate(() => '__pwned' in window), false)
    // The bidi override never reached the shelf: the name shows what the file really is.
    await fileRow(page, 'invoicefdp.exe').waitFor()
    const longName = page.getByTestId('file-name').filter({ hasText: /^very long name/ })
    await longName.waitFor()
    const capped = (await longName.textContent()) ?? ''
    assert.ok(capped.length <= 255 && capped.length > 240 && capped.endsWith('.pdf'), capped)
    await shot(page, 'shelf-hostile-names')

    await hostile.getByRole('button', { name: 'Download' }).click()
    await hostile.getByTestId('local-state').getByText('On this device', { exact: true }).waitFor()
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      hostile.getByRole('button', { name: 'Save as…' }).click(),
    ])
    assert.equal(download.suggestedFilename(), '_img src=x onerror=_window.__pwned=1__CON.txt')
    const saved = await download.path()
    assert.equal(fs.readFileSync(saved, 'utf8'), 'hello')

    const program = fileRow(page, 'invoicefdp.exe')
    await program.getByRole('button', { name: 'Download' }).click()
    await program.getByRole('button', { name: 'Save as…' }).click()
    const warning = page.getByRole('dialog')
    await warning.getByText('This file can run programs').waitFor()
    await shot(page, 'shelf-program-warning')
    await warning.getByRole('button', { name: 'Cancel' }).click()
    assert.equal(await warning.count(), 0)
  })

  test('no page threw an error or opened a browser dialog', () => {
    for (const person of people) assert.deepEqual(person.errors, [])
  })
})
