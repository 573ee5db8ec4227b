// Encryption at rest in Chromium. The unlock screen against a real `hearth serve --web` on an
// encrypted data folder, started with no passphrase: a wrong passphrase says so and lets the
// person try again with the keyboard alone; the right one opens Hearth, and the peer prints its
// ready line only then. And a first run from a portable drive (a real peer host, in this process,
// told it is portable): it offers a passphrase, checks it, encrypts, and Settings then changes it.
// Screenshots: unlock.png, portable-passphrase.png.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, type Browser } from '@playwright/test'
import { newToken, startBridge } from '../shared/peer/bridge/server.ts'
import { PeerHost } from '../shared/peer/host.ts'
import { enableVault, isSealed, unlockVault } from '../shared/peer/vault/index.ts'
import { serveApi } from '../shared/rpc/server.ts'
import { en } from '../renderer/i18n/en.ts'
import { makeFmt } from '../renderer/i18n/format.ts'
import { ko } from '../renderer/i18n/ko.ts'
import { WEB_DIST } from './fixtures/browser.ts'
import { makeRoot, skipWithoutWebUi, test } from './fixtures/test.ts'
import { startLockedWebPeer, type LockedWebPeer } from './fixtures/web-peer.ts'

const SHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url))
const PASSPHRASE = 'kimchi stew on sunday'
const FAST = { N: 2 ** 10, r: 8, p: 1 }
const english = en(makeFmt('en'))
const korean = ko(makeFmt('ko-KR'))

test.describe('unlock screen against a locked peer', () => {
  skipWithoutWebUi()

  let root: string
  let browser: Browser
  let peer: LockedWebPeer

  test.beforeAll(async ({ browser: launched }) => {
    fs.mkdirSync(SHOTS, { recursive: true })
    root = makeRoot('unlock')
    const dataDir = path.join(root, 'stick')
    // Cheap scrypt parameters: the header records them, and the peer unlocks with what it says.
    await enableVault(dataDir, PASSPHRASE, { params: FAST })
    browser = launched
    peer = await startLockedWebPeer({ dataDir, name: 'Minji' })
  })

  test.afterAll(async () => {
    await peer?.stop().catch((err: unknown) => console.error(err))
    if (root) fs.rmSync(root, { recursive: true, force: true })
  })

  test('a wrong passphrase is refused with a clear message; the right one opens Hearth', async () => {
    const context = await browser.newContext({
      locale: 'en-US',
      viewport: { width: 900, height: 700 },
    })
    const page = await context.newPage()
    const errors: Error[] = []
    page.on('pageerror', (err) => errors.push(err))
    await page.goto(peer.locked.web)

    await page.getByRole('heading', { name: english.unlockTitle }).waitFor()
    const field = page.getByLabel(english.passphrase, { exact: true })
    assert.equal(await field.getAttribute('type'), 'password')
    await expect(field, 'the field has focus').toBeFocused()

    await field.fill('kimchi stew on monday')
    await field.press('Enter')
    const alert = page.getByRole('alert').filter({ hasText: english.errors.WRONG_PASSPHRASE })
    await alert.waitFor()
    await expect(field).toHaveAttribute('aria-invalid', 'true')
    assert.ok(
      await field.evaluate(
        (el) => el === document.activeElement && (el as HTMLInputElement).selectionEnd! > 0,
      ),
      'after a wrong try the field has focus, its text selected for retyping',
    )
    await page.screenshot({ path: path.join(SHOTS, 'unlock.png') })

    // The same screen in Korean.
    await page.getByLabel(english.language).selectOption('ko')
    await page.getByRole('heading', { name: korean.unlockTitle }).waitFor()
    await page.getByRole('button', { name: korean.unlock }).waitFor()
    await page.getByLabel(korean.language).selectOption('en')

    await field.fill(PASSPHRASE)
    await page.getByRole('button', { name: english.unlock }).click()
    await page.getByLabel(english.yourName).waitFor()
    const ready = await peer.ready
    assert.match(ready.peerId, /^12D3KooW/)
    assert.equal(ready.web, peer.locked.web, 'the same address serves the unlocked peer')

    await page.getByRole('button', { name: english.continueLabel }).click()
    await page.getByRole('button', { name: english.settings }).click()
    await page.getByText(english.encryptionOn).waitFor()
    await page.getByRole('button', { name: english.changePassphrase }).waitFor()
    assert.deepEqual(errors, [])
    await context.close()
  })

  test('a first run from a portable drive offers a passphrase; Settings changes it later', async () => {
    const dataDir = path.join(root, 'portable')
    const host = await PeerHost.open({
      dataDir,
      portable: true,
      kdf: FAST,
      listen: ['/ip4/127.0.0.1/tcp/0'],
      mdns: false,
    })
    const bridge = await startBridge({
      token: newToken(),
      staticDir: WEB_DIST,
      onConnection: (channel) => void serveApi(channel, host.handlers, host.events.subscribe),
    })
    const context = await browser.newContext({
      locale: 'en-US',
      viewport: { width: 900, height: 800 },
    })
    try {
      const page = await context.newPage()
      const errors: Error[] = []
      page.on('pageerror', (err) => errors.push(err))
      await page.goto(bridge.webUrl as string)
      await page.getByLabel(english.yourName).fill('Minji')
      await page.getByRole('button', { name: english.continueLabel }).click()

      await page.getByRole('heading', { name: english.portableTitle }).waitFor()
      await page.getByText(english.forgetWarning).waitFor()
      const first = page.getByLabel(english.newPassphrase)
      const again = page.getByLabel(english.repeatPassphrase)
      const turnOn = page.getByRole('button', { name: english.turnOnEncryption })
      await first.fill('short')
      await turnOn.click()
      await page
        .getByRole('alert')
        .filter({ hasText: english.passphraseTooShort(8) })
        .waitFor()
      await first.fill('our stick passphrase')
      await again.fill('our stick passphrose')
      await turnOn.click()
      await page.getByRole('alert').filter({ hasText: english.passphrasesDiffer }).waitFor()
      assert.equal(isSealed(dataDir), false, 'nothing happens until the two agree')
      await again.fill('our stick passphrase')
      await page.screenshot({ path: path.join(SHOTS, 'portable-passphrase.png') })
      await turnOn.click()
      await page.getByRole('button', { name: english.newGroup }).waitFor()
      assert.ok(isSealed(dataDir))

      await page.getByRole('button', { name: english.settings }).click()
      await page.getByText(english.encryptionOn).waitFor()
      await page.getByRole('button', { name: english.changePassphrase }).click()
      await page.getByLabel(english.currentPassphrase).fill('not the passphrase')
      await page.getByLabel(english.newPassphrase).fill('a brand new passphrase')
      await page.getByLabel(english.repeatPassphrase).fill('a brand new passphrase')
      const save = page.getByRole('dialog').getByRole('button', { name: english.changePassphrase })
      await save.click()
      await page.getByRole('alert').filter({ hasText: english.errors.WRONG_PASSPHRASE }).waitFor()
      await page.getByLabel(english.currentPassphrase).fill('our stick passphrase')
      await save.click()
      await page.getByText(english.passphraseChanged).waitFor()
      assert.deepEqual(errors, [])
    } finally {
      await context.close()
      await bridge.close()
      await host.stop()
    }
    await assert.rejects(unlockVault(dataDir, 'our stick passphrase'), /does not unlock/)
    await unlockVault(dataDir, 'a brand new passphrase')
  })
})
