// The web UI in Debian's Chromium against real peers, each a separate process with its own data
// folder: two people meet through an invite and chat; a hostile name and hostile message text
// stay text; an IME composition does not send; a peer goes offline and catches up; a third person
// joins with the short code; switching language changes every string on screen.
// Screenshots of the main screens land in e2e/screenshots/ (ignored by git).
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, type Browser, type Page } from '@playwright/test'
import { en } from '../renderer/i18n/en.ts'
import { makeFmt } from '../renderer/i18n/format.ts'
import { ko } from '../renderer/i18n/ko.ts'
import { makeRoot, skipWithoutWebUi, test } from './fixtures/test.ts'
import { openWebPage, startWebPeer, type Person, type WebPeer } from './fixtures/web-peer.ts'

const SHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url))
// A name and a message that would run script if anything rendered them as HTML.
const HOSTILE_NAME = 'Bob <img src=x onerror="window.__pwned=1">'
const HOSTILE_TEXT =
  '<script>window.__pwned=2</script><img src=x onerror="window.__pwned=3"> [x](javascript:window.__pwned=4) javascript:window.__pwned=5'

test.describe('web UI with real peers', () => {
  // One story: each test goes on from where the one before it left the people and their peers.
  test.describe.configure({ mode: 'serial' })
  skipWithoutWebUi()

  let root: string
  let browser: Browser
  const people: Person[] = []
  let alice: Person
  let bob: Person
  let invite: string

  async function openPerson(peer: WebPeer, name: string): Promise<Person> {
    const person = await openWebPage(browser, peer)
    const { page } = person
    const field = page.getByLabel('Your name')
    await field.waitFor()
    if (people.length === 0) await shot(page, 'first-run')
    await field.fill(name)
    await page.getByRole('button', { name: 'Continue' }).click()
    await page.getByRole('button', { name: 'New group' }).waitFor()
    people.push(person)
    return person
  }

  /** The message whose own text (not a quoted reply) contains `text`. */
  function messageWithText(page: Page, text: string) {
    return page
      .getByTestId('message')
      .filter({ has: page.getByTestId('message-text').filter({ hasText: text }) })
  }

  function presenceOf(page: Page, name: string, state: 'Online' | 'Offline') {
    return page
      .getByTestId('member')
      .filter({ hasText: name })
      .getByRole('img', { name: state, exact: true })
  }

  async function send(page: Page, text: string): Promise<void> {
    const composer = page.getByTestId('composer')
    await composer.fill(text)
    await composer.press('Enter')
    await messageWithText(page, text).first().waitFor()
  }

  async function shot(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: path.join(SHOTS, `${name}.png`) })
  }

  test.beforeAll(async ({ browser: launched }) => {
    fs.mkdirSync(SHOTS, { recursive: true })
    root = makeRoot('web')
    browser = launched
    const alicePeer = await startWebPeer({ dataDir: path.join(root, 'alice'), name: 'alice-os' })
    const bobPeer = await startWebPeer({
      dataDir: path.join(root, 'bob'),
      peers: alicePeer.ready.addrs,
    })
    alice = await openPerson(alicePeer, 'Alice')
    bob = await openPerson(bobPeer, HOSTILE_NAME)
  })

  test.afterAll(async () => {
    for (const person of people) {
      await person.context.close()
      await person.peer.stop().catch((err: unknown) => console.error(err))
    }
    if (root) fs.rmSync(root, { recursive: true, force: true })
  })

  test('the first-run screen was passed with the chosen names', async () => {
    await alice.page.getByRole('button', { name: 'Settings' }).click()
    await expect(alice.page.getByLabel('Display name')).toHaveValue('Alice')
    await alice.page.getByText(/Version \d+\.\d+\.\d+/).waitFor()
    await expect(alice.page.getByTestId('data-dir')).toHaveText(alice.peer.dataDir)
    await shot(alice.page, 'settings')
    await alice.page.getByRole('button', { name: 'Close' }).click()
  })

  test('Alice creates a group and gets both kinds of invitation', async () => {
    const { page } = alice
    await page.getByRole('button', { name: 'New group' }).click()
    await page.getByLabel('Group name').fill('Family')
    await page.getByRole('button', { name: 'Create' }).click()
    await page.getByRole('heading', { name: 'Family' }).waitFor()
    await page.getByRole('button', { name: 'Invite', exact: true }).click()
    const code = await page.getByTestId('short-code').textContent()
    assert.match(code ?? '', /^\d{4}-\d{4}$/)
    invite = await page.getByLabel('Invite to send').inputValue()
    assert.ok(invite.length > 40, 'the long invite is shown')
    await shot(page, 'invite-dialog')
    await page.getByRole('button', { name: 'Close' }).click()
  })

  test('Bob joins with the long invite', async () => {
    const { page } = bob
    await page.getByRole('button', { name: 'Join a group' }).click()
    await page.getByLabel('Invite or code').fill(invite)
    await shot(page, 'join-dialog')
    await page.getByRole('button', { name: 'Join', exact: true }).click()
    await page.getByRole('heading', { name: 'Family' }).waitFor()
    await alice.page.getByText('2 members').waitFor()
  })

  test('they chat both ways, reply, edit, react and delete', async () => {
    await send(alice.page, 'Hello Bob')
    await messageWithText(bob.page, 'Hello Bob').waitFor()
    // Bob's window shows it while he looks: Alice's side says so.
    const delivery = messageWithText(alice.page, 'Hello Bob').getByTestId('delivery')
    await delivery.getByRole('img', { name: 'Seen by 1 of 1' }).waitFor()
    await delivery.getByText('Seen by 1 of 1').waitFor()
    // The group list shows the last message for the group that is not open on Bob's side too.
    await bob.page
      .getByRole('button', { name: /Family/ })
      .getByText('Alice: Hello Bob')
      .waitFor()

    const hello = messageWithText(bob.page, 'Hello Bob')
    await hello.hover()
    await hello.getByRole('button', { name: 'Reply' }).click()
    await bob.page.getByText('Replying to Alice').waitFor()
    await send(bob.page, 'Hi Alice')
    const reply = messageWithText(alice.page, 'Hi Alice')
    await reply.waitFor()
    assert.match((await reply.locator('.reply-quote').textContent()) ?? '', /Hello Bob/)
    // Bob's name carries HTML: Alice sees it as the literal text.
    await reply.getByText(HOSTILE_NAME, { exact: true }).waitFor()

    const mine = messageWithText(alice.page, 'Hello Bob')
    await mine.hover()
    await mine.getByRole('button', { name: 'Edit' }).click()
    const composer = alice.page.getByTestId('composer')
    // Edit fills the composer on the next render: wait for it, or the edit types over nothing.
    await expect(composer).toHaveValue('Hello Bob')
    await composer.fill('Hello Bob, welcome')
    await composer.press('Enter')
    const edited = messageWithText(bob.page, 'Hello Bob, welcome')
    await edited.getByText('(edited)').waitFor()

    await edited.hover()
    await edited.getByRole('button', { name: 'Add reaction' }).click()
    await edited.getByRole('button', { name: '👍' }).click()
    const reaction = messageWithText(alice.page, 'Hello Bob, welcome').locator('.reaction')
    await reaction.filter({ hasText: '👍 1' }).waitFor()

    await send(alice.page, 'This will be deleted')
    const doomed = messageWithText(alice.page, 'This will be deleted')
    await messageWithText(bob.page, 'This will be deleted').waitFor()
    await doomed.hover()
    await doomed.getByRole('button', { name: 'Delete' }).click()
    await alice.page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click()
    await bob.page.getByTestId('message-list').getByText('This message was deleted.').waitFor()
    assert.equal(await messageWithText(bob.page, 'This will be deleted').count(), 0)
    await shot(alice.page, 'chat')
  })

  test('Enter during an IME composition does not send', async () => {
    const { page, context } = bob
    const composer = page.getByTestId('composer')
    await composer.click()
    const cdp = await context.newCDPSession(page)
    await cdp.send('Input.imeSetComposition', { text: '한', selectionStart: 1, selectionEnd: 1 })
    // The Enter an IME turns into "confirm the syllable": Chromium reports it as key code 229.
    await cdp.send('Input.dispatchKeyEvent', {
      type: 'keyDown',
      key: 'Enter',
      code: 'Enter',
      windowsVirtualKeyCode: 229,
    })
    await cdp.send('Input.dispatchKeyEvent', { type: 'keyUp', key: 'Enter', code: 'Enter' })
    await cdp.send('Input.insertText', { text: '한글' })
    await cdp.detach()
    assert.equal(await composer.inputValue(), '한글')
    const bobs = page.getByTestId('message').filter({ hasText: '한' })
    assert.equal(await bobs.count(), 0, 'nothing was sent')
    assert.equal(await page.getByTestId('pending-message').count(), 0, 'nothing is being sent')
    await composer.press('Enter')
    await messageWithText(alice.page, '한글').waitFor()
  })

  test('HTML and javascript: links in messages render as text and run nothing', async () => {
    await send(alice.page, HOSTILE_TEXT)
    const shown = messageWithText(bob.page, 'javascript:window.__pwned=5')
    await shown.waitFor()
    assert.equal(await shown.getByTestId('message-text').textContent(), HOSTILE_TEXT)
    const list = bob.page.getByTestId('message-list')
    assert.equal(await list.locator('img, script, a').count(), 0, 'no element came from text')
    assert.equal(await shown.locator('button.link').count(), 0, 'javascript: is not a link')
    assert.equal(await bob.page.evaluate(() => 'pwned' in window || '__pwned' in window), false)

    await send(alice.page, 'Look at https://example.com/news. Nice')
    const withLink = messageWithText(bob.page, 'Look at')
    await withLink.waitFor()
    await withLink.getByRole('button', { name: 'https://example.com/news' }).click()
    const confirm = bob.page.getByRole('dialog')
    await confirm.getByText('https://example.com/news').waitFor()
    await confirm.getByRole('button', { name: 'Cancel' }).click()
    assert.equal(bob.context.pages().length, 1, 'nothing opened without confirming')
  })

  test('a peer that was offline catches up, and the other side shows it was away', async () => {
    await bob.peer.stop()
    await presenceOf(alice.page, HOSTILE_NAME, 'Offline').waitFor()
    await alice.page
      .getByTestId('member')
      .filter({ hasText: HOSTILE_NAME })
      .getByText(/^Last seen (now|\d+ minutes? ago)$/)
      .waitFor()
    // The peers here listen on loopback only, which is what a machine with no network looks like.
    await alice.page.getByTestId('status-bar').getByText('Offline — no network').waitFor()
    await shot(alice.page, 'member-offline')
    await send(alice.page, 'While you were away 1')
    await send(alice.page, 'While you were away 2')

    bob.peer = await startWebPeer({ dataDir: bob.peer.dataDir, peers: alice.peer.ready.addrs })
    await bob.page.goto(bob.peer.ready.web)
    await bob.page.getByRole('button', { name: /Family/ }).click()
    await messageWithText(bob.page, 'While you were away 2').waitFor()
    await messageWithText(bob.page, 'While you were away 1').waitFor()
    await presenceOf(alice.page, HOSTILE_NAME, 'Online').waitFor()
    await alice.page.getByTestId('status-bar').getByText('1 of 1 members reachable').waitFor()
  })

  test('a third person joins with the short code read aloud', async () => {
    const carolPeer = await startWebPeer({
      dataDir: path.join(root, 'carol'),
      peers: alice.peer.ready.addrs,
    })
    const carol = await openPerson(carolPeer, 'Carol')
    await alice.page.getByRole('button', { name: 'Invite', exact: true }).click()
    const code = (await alice.page.getByTestId('short-code').textContent()) ?? ''
    await alice.page.getByRole('button', { name: 'Close' }).click()

    await carol.page.getByRole('button', { name: 'Join a group' }).click()
    await carol.page.getByLabel('Invite or code').fill(code)
    await carol.page.getByRole('button', { name: 'Join', exact: true }).click()
    await carol.page.getByRole('heading', { name: 'Family' }).waitFor()
    await messageWithText(carol.page, 'Hello Bob, welcome').waitFor()
    await alice.page.getByText('3 members').waitFor()
  })

  test('switching the language changes every visible string', async () => {
    const { page } = alice
    const english = en(makeFmt('en'))
    const korean = ko(makeFmt('ko-KR'))
    await page.getByRole('button', { name: 'Settings' }).click()
    await page.getByLabel('Language').selectOption('ko')
    await page.getByRole('heading', { name: korean.settings }).waitFor()
    await page.getByRole('button', { name: korean.close }).click()
    await page.getByRole('button', { name: korean.newGroup }).waitFor()
    await shot(page, 'language-ko')

    const visible = await page.evaluate(() => document.body.innerText)
    const userText = ['Family', 'Alice', 'Carol', HOSTILE_NAME, 'Hello Bob', 'Hearth']
    const shownEnglish = Object.entries(english).filter(
      ([key, value]) =>
        typeof value === 'string' &&
        value !== (korean as Record<string, unknown>)[key] &&
        visible.includes(value) &&
        !userText.some((u) => u.includes(value)),
    )
    assert.deepEqual(shownEnglish, [], 'no English string is left on the screen')
    // Strings made from numbers and times: the English forms are gone, the Korean ones are there.
    for (const english of ['Seen by', 'Last seen', 'Catching up', 'members reachable']) {
      assert.ok(!visible.includes(english), `"${english}" is still shown`)
    }
    assert.match(visible, /\d명 중 \d명이 읽음/)
    assert.match(visible, /멤버 \d명 중 \d명 연결 가능/)
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'ko')

    await page.getByRole('button', { name: korean.settings }).click()
    await page.getByLabel(korean.language).selectOption('en')
    await page.getByRole('button', { name: english.close }).click()
    await page.getByRole('button', { name: english.newGroup }).waitFor()
  })

  test('no page threw an error or opened a browser dialog', () => {
    for (const person of people) assert.deepEqual(person.errors, [])
  })
})
