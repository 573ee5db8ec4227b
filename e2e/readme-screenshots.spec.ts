// The chat screenshots for the README, taken from a real conversation between three peers (each
// its own process and data folder) in Debian's Chromium at 1280x800: a family plans a dinner,
// with a reply, reactions and a second group with an unread message. It runs once in English and
// once in Korean, and saves e2e/screenshots/chat-en.png and chat-ko.png.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Page } from '@playwright/test'
import { en } from '../renderer/i18n/en.ts'
import { makeFmt } from '../renderer/i18n/format.ts'
import { ko } from '../renderer/i18n/ko.ts'
import type { Messages } from '../renderer/i18n/en.ts'
import { skipWithoutWebUi, test, type NewContext } from './fixtures/test.ts'
import type { Person, WebPeer } from './fixtures/web-peer.ts'

const SHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url))

interface Script {
  lang: 'en' | 'ko'
  locale: string
  timezoneId: string
  t: Messages
  /** The person whose screen is photographed, then the two others. */
  names: [me: string, dad: string, grandma: string]
  family: string
  hike: string
  dinner: string
  me1: string
  grandma1: string
  dadReply: string
  me2: string
  grandma2: string
  hikeMessage: string
}

const scripts: Script[] = [
  {
    lang: 'en',
    locale: 'en-US',
    timezoneId: 'Europe/London',
    t: en(makeFmt('en')),
    names: ['Emma', 'Dad', 'Grandma Rose'],
    family: 'Family',
    hike: 'Weekend hike',
    dinner: 'Dinner at Grandma’s on Sunday? She is making her famous stew 🍲',
    me1: 'Yes please! What time should we be there?',
    grandma1: 'Come at six. And bring the little ones, I have not seen them in weeks 😊',
    dadReply: 'We will be there. I will pick up a cake on the way.',
    me2: 'I will bring the photos from our trip 📷',
    grandma2: 'Lovely. Drive safely, all of you ❤️',
    hikeMessage: 'Trail map for Saturday is on the shelf',
  },
  {
    lang: 'ko',
    locale: 'ko-KR',
    timezoneId: 'Asia/Seoul',
    t: ko(makeFmt('ko-KR')),
    names: ['지민', '아빠', '할머니'],
    family: '우리 가족',
    hike: '주말 등산',
    dinner: '일요일에 할머니 댁에서 저녁 먹을까? 할머니가 김치찌개 끓여 주신대 🍲',
    me1: '좋아요! 몇 시까지 가면 돼요?',
    grandma1: '여섯 시까지 오너라. 아이들도 꼭 데려오고 😊',
    dadReply: '네, 어머니. 가는 길에 케이크 사 갈게요.',
    me2: '저는 여행 사진 챙겨 갈게요 📷',
    grandma2: '고맙다. 다들 조심히 오너라 ❤️',
    hikeMessage: '토요일 등산로 지도 올려 둘게',
  },
]

test.describe('README chat screenshots', () => {
  skipWithoutWebUi()

  test.beforeAll(() => {
    fs.mkdirSync(SHOTS, { recursive: true })
  })

  async function openPerson(
    newContext: NewContext,
    script: Script,
    peer: WebPeer,
    name: string,
  ): Promise<Person> {
    const context = await newContext({
      viewport: { width: 1280, height: 800 },
      deviceScaleFactor: 1,
      locale: script.locale,
      timezoneId: script.timezoneId,
    })
    const page = await context.newPage()
    const errors: Error[] = []
    page.on('pageerror', (err) => errors.push(err))
    await page.goto(peer.ready.web)
    await page.getByLabel(script.t.yourName).fill(name)
    await page.getByRole('button', { name: script.t.continueLabel }).click()
    await page.getByRole('button', { name: script.t.newGroup }).waitFor()
    return { peer, context, page, errors }
  }

  function messageWithText(page: Page, text: string) {
    return page
      .getByTestId('message')
      .filter({ has: page.getByTestId('message-text').filter({ hasText: text }) })
  }

  async function send(page: Page, text: string): Promise<void> {
    const composer = page.getByTestId('composer')
    await composer.fill(text)
    await composer.press('Enter')
    await messageWithText(page, text).first().waitFor()
  }

  /** Creates a group in the page and returns its long invite. */
  async function createGroup(script: Script, page: Page, name: string): Promise<string> {
    const { t } = script
    await page.getByRole('button', { name: t.newGroup }).click()
    await page.getByLabel(t.groupName).fill(name)
    await page.getByRole('button', { name: t.create, exact: true }).click()
    await page.getByRole('heading', { name }).waitFor()
    await page.getByRole('button', { name: t.invite, exact: true }).click()
    const invite = await page.getByLabel(t.longInvite).inputValue()
    await page.getByRole('button', { name: t.close }).click()
    return invite
  }

  async function join(script: Script, page: Page, invite: string, group: string): Promise<void> {
    const { t } = script
    await page.getByRole('button', { name: t.joinGroup }).click()
    await page.getByLabel(t.inviteOrCode).fill(invite)
    await page.getByRole('button', { name: t.join, exact: true }).click()
    await page.getByRole('heading', { name: group }).waitFor()
  }

  for (const script of scripts) {
    test(`a family chat in ${script.lang === 'en' ? 'English' : 'Korean'}`, async ({
      newContext,
      webPeer,
    }) => {
      const { t } = script
      const mePeer = await webPeer('me')
      const others = { peers: mePeer.ready.addrs }
      const [dadPeer, grandmaPeer] = await Promise.all([
        webPeer('dad', others),
        webPeer('grandma', others),
      ])
      const me = await openPerson(newContext, script, mePeer, script.names[0])
      const dad = await openPerson(newContext, script, dadPeer, script.names[1])
      const grandma = await openPerson(newContext, script, grandmaPeer, script.names[2])

      const familyInvite = await createGroup(script, me.page, script.family)
      await join(script, dad.page, familyInvite, script.family)
      await join(script, grandma.page, familyInvite, script.family)
      await me.page.getByText(t.memberCount(3)).waitFor()

      await send(dad.page, script.dinner)
      await messageWithText(me.page, script.dinner).waitFor()
      await send(me.page, script.me1)
      await messageWithText(grandma.page, script.me1).waitFor()
      await send(grandma.page, script.grandma1)

      // Dad answers Grandma's message as a reply; Emma and Dad react to it.
      // The message tools are pressed from the keyboard: new messages arriving can shift the
      // virtualised list between a hover and a click, and a keypress cannot land on a neighbour.
      const onDad = messageWithText(dad.page, script.grandma1)
      await onDad.getByRole('button', { name: t.reply }).press('Enter')
      await send(dad.page, script.dadReply)
      await onDad.getByRole('button', { name: t.react }).press('Enter')
      await onDad.getByRole('button', { name: '👍' }).press('Enter')
      const onMe = messageWithText(me.page, script.grandma1)
      await onMe.getByRole('button', { name: t.react }).press('Enter')
      await onMe.getByRole('button', { name: '❤️' }).press('Enter')
      await onMe.locator('.reaction').filter({ hasText: '👍 1' }).waitFor()
      await messageWithText(me.page, script.dadReply).waitFor()

      await send(me.page, script.me2)
      await messageWithText(grandma.page, script.me2).waitFor()
      await send(grandma.page, script.grandma2)
      await messageWithText(me.page, script.grandma2).waitFor()

      // A second group with a message Emma has not read yet, for the unread badge.
      const hikeInvite = await createGroup(script, dad.page, script.hike)
      await join(script, me.page, hikeInvite, script.hike)
      await me.page.getByRole('button', { name: new RegExp(script.family) }).click()
      await me.page.getByRole('heading', { name: script.family }).waitFor()
      await send(dad.page, script.hikeMessage)
      const hikeItem = me.page.getByRole('button', { name: new RegExp(script.hike) })
      await hikeItem.getByText(t.unreadCount(1)).waitFor()
      await me.page.getByTestId('status-bar').getByText(t.statusReachable(2, 2)).waitFor()

      // Nothing hovered or focused: the picture shows the chat at rest.
      await me.page.mouse.move(1, 790)
      await me.page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur())
      await me.page.screenshot({ path: path.join(SHOTS, `chat-${script.lang}.png`) })

      assert.equal(await me.page.evaluate(() => document.documentElement.lang), script.lang)
      for (const person of [me, dad, grandma]) assert.deepEqual(person.errors, [])
    })
  }
})
