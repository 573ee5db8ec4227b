// Backups and carried bundles in the web UI (Debian's Chromium, real peers): Ana backs up her
// device from Settings and saves her group for carrying from the group's menu; a new install
// restores the backup from its first-run screen (a wrong passphrase first, which says so and
// changes nothing) and comes back as Ana, with her group and messages.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { expect, type Page } from '@playwright/test'
import { skipWithoutWebUi, test, type NewContext } from './fixtures/test.ts'
import type { WebPeer } from './fixtures/web-peer.ts'

const PASSPHRASE = 'a long walk to the sea'

test.describe('backups and carried bundles in the web UI', () => {
  skipWithoutWebUi()

  const errors: Error[] = []

  async function open(newContext: NewContext, peer: WebPeer): Promise<Page> {
    const context = await newContext({
      locale: 'en-US',
      viewport: { width: 1200, height: 800 },
    })
    const page = await context.newPage()
    page.on('pageerror', (err) => errors.push(err))
    await page.goto(peer.ready.web)
    return page
  }

  test('back up from Settings, save a group for carrying, restore on a new install', async ({
    newContext,
    root,
    webPeer,
  }) => {
    const ana = await webPeer('ana')
    const page = await open(newContext, ana)
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
    const fresh = await webPeer('new-laptop')
    const next = await open(newContext, fresh)
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
    await expect(next.getByLabel('Display name')).toHaveValue('Ana')
    await expect(next.locator('.peer-id')).toHaveText(ana.ready.peerId)
    assert.deepEqual(errors, [])
  })
})
