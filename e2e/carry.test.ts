// Backups and carried bundles in the web UI (Debian's Chromium, real peers): Ana backs up her
// device from Settings and saves her group for carrying from the group's menu; a new install
// restores the backup from its first-run screen (a wrong passphrase first, which says so and
// changes nothing) and comes back as Ana, with her group and messages.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { launchBrowser, webUiMissing } from './fixtures/browser.ts'
import { startWebPeer, type WebPeer } from './fixtures/web-peer.ts'

const PASSPHRASE = 'a long walk to the sea'

describe('backups and carried bundles in the web UI', { skip: webUiMissing() }, () => {
  let root: string
  let browser: Browser
  const peers: WebPeer[] = []
  const errors: Error[] = []

  async function open(peer: WebPeer): Promise<Page> {
    const context = await browser.newContext({
      locale: 'en-US',
      viewport: { width: 1200, height: 800 },
    })
    const page = await context.newPage()
    page.on('pageerror', (err) => errors.push(err))
    await page.goto(peer.ready.web)
    return page
  }

  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-e2e-carry-'))
    browser = await launchBrowser()
  })

  after(async () => {
    await browser?.close()
    for (const peer of peers) await peer.stop().catch((err: unknown) => console.error(err))
    if (root) fs.rmSync(root, { recursive: true, force: true })
  })

  test('back up from Settings, save a group for carrying, restore on a new install', async () => {
    const ana = await startWebPeer({ dataDir: path.join(root, 'ana') })
    peers.push(ana)
    const page = await open(ana)
    await page.getByLabel('Your name').fill('Ana')
    await page.getByRole('button', { name: 'Continue' }).click()
    await page.getByRole('button', { name: 'New group' }).click()
    await page.getByLabel('Group name').fill('Family')
    await page.getByRole('button', { name: 'Create' }).click()
    await page.getByRole('heading', { name: 'Family' }).waitFor()
    const composer = page.getByTestId('composer')
    await composer.fill('remember the picnic')
    await composer.press('Enter')
    await page.getByTestId('message-text').filter({ hasText: 'remember the picnic' }).waitFor()

    // The group's menu: save it for carrying (the path names a file on the peer's machine).
    const bundle = path.join(root, 'family.hearth-bundle')
    await page.getByRole('button', { name: 'More' }).click()
    await page.getByRole('menuitem', { name: 'Save for carrying…' }).click()
    const carry = page.getByRole('dialog')
    await carry.getByLabel('File', { exact: true }).fill('family.hearth-bundle')
    await carry.getByText('Give the full path').waitFor()
    await carry.getByLabel('File', { exact: true }).fill(bundle)
    await carry.getByRole('button', { name: 'Save' }).click()
    await carry.getByText(`Saved to ${bundle}`).waitFor()
    await carry.getByRole('button', { name: 'Close' }).click()
    assert.ok(fs.statSync(bundle).size > 0)

    // Settings → Back up…
    const backup = path.join(root, 'ana.hearth-backup')
    await page.getByRole('button', { name: 'Settings' }).click()
    await page.getByRole('button', { name: 'Back up…' }).click()
    const dialog = page.getByRole('dialog', { name: 'Back up this device' })
    await dialog.getByLabel('File', { exact: true }).fill(backup)
    await dialog.getByLabel('Backup passphrase').fill(PASSPHRASE)
    await dialog.getByLabel('Type the passphrase again').fill(`${PASSPHRASE}!`)
    await dialog.getByText('The two passphrases are not the same.').waitFor()
    assert.equal(await dialog.getByRole('button', { name: 'Save backup' }).isDisabled(), true)
    await dialog.getByLabel('Type the passphrase again').fill(PASSPHRASE)
    await dialog.getByRole('button', { name: 'Save backup' }).click()
    await dialog.getByText(`Backup saved to ${backup}`).waitFor()
    assert.ok(fs.statSync(backup).size > 0)
    await dialog.getByRole('button', { name: 'Close' }).click()

    // A new install: its first screen offers the restore.
    const fresh = await startWebPeer({ dataDir: path.join(root, 'new-laptop') })
    peers.push(fresh)
    const next = await open(fresh)
    await next.getByRole('button', { name: 'Restore from a backup' }).click()
    const restore = next.getByRole('dialog', { name: 'Restore from a backup' })
    await restore.getByLabel('File', { exact: true }).fill(backup)
    await restore.getByLabel('Backup passphrase').fill('not the passphrase')
    await restore.getByRole('button', { name: 'Restore' }).click()
    await restore.getByText('The passphrase is not right.').waitFor()
    await restore.getByLabel('Backup passphrase').fill(PASSPHRASE)
    await restore.getByRole('button', { name: 'Restore' }).click()
    // The app reconnects to the restored device: Ana's group, her message, her name.
    await next.getByRole('button', { name: /Family/ }).click()
    await next.getByTestId('message-text').filter({ hasText: 'remember the picnic' }).waitFor()
    await next.getByRole('button', { name: 'Settings' }).click()
    assert.equal(await next.getByLabel('Display name').inputValue(), 'Ana')
    assert.equal(await next.locator('.peer-id').textContent(), ana.ready.peerId)
    assert.deepEqual(errors, [])
  })
})
