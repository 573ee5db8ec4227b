// The renderer's components rendered to HTML (react-dom/server) against a Session connected to
// real peers in this process: memory stores, TCP on loopback, the real RPC server and client
// through an in-memory channel. What a component shows here is what the peer said.
import '../e2e/harness/tsx-hooks.ts'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { create } from 'qrcode'
import { createElement } from 'react'
import type { Message } from '../shared/api/index.ts'
import { createPeer, HEARTH_VERSION, type Peer } from '../shared/peer/peer.ts'
import { openSession, until } from '../e2e/harness/in-process-session.ts'
import { render } from '../e2e/harness/render.ts'
import { makeFmt } from './i18n/format.ts'
import { QR_ERROR_CORRECTION } from './ui/qr.ts'
import { seenBy } from './features/chat/seen.ts'
import type { Session } from './state/session.ts'

// Components are .tsx: they load through the hook above, so only after it is registered.
const { GroupList } = await import('./features/groups/GroupList.tsx')
const { MessageItem } = await import('./features/chat/MessageItem.tsx')
const { StatusBar } = await import('./features/status/StatusBar.tsx')
const { LongInvite } = await import('./features/invites/LongInvite.tsx')
const { ShortCode } = await import('./features/invites/ShortCode.tsx')
const { SettingsDialog } = await import('./features/settings/SettingsDialog.tsx')
const { PeersPanel } = await import('./features/peers/PeersPanel.tsx')
const { HostBanner } = await import('./features/status/HostBanner.tsx')

const HOSTILE_NAME = 'Bob <img src=x onerror="alert(1)">'
const HOSTILE_TEXT =
  '<script>alert(2)</script><a href="javascript:alert(3)">x</a> javascript:alert(4) https://example.com/a'

const noActions = {
  reply() {},
  edit() {},
  delete() {},
  react() {},
  openLink() {},
  jumpTo() {},
}

describe('components against real peers', () => {
  let alice: Peer
  let bob: Peer
  let session: Session
  let bobSession: Session
  let family: string
  let quiet: string

  before(async () => {
    const options = { listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false }
    alice = await createPeer({ ...options, name: 'Alice' })
    bob = await createPeer({ ...options, name: HOSTILE_NAME })
    session = await openSession(alice)
    bobSession = await openSession(bob)
    const created = await session.createGroup('Family')
    family = created.groupId
    quiet = (await session.createGroup('Quiet corner')).groupId
    await bobSession.joinGroup(created.invite)
    await bobSession.send(family, HOSTILE_TEXT, null)
    await bobSession.send(family, 'See you at six', null)
    await until(
      session,
      'Alice has two unread messages from Bob and sees him online',
      (s) =>
        s.groups.find((g) => g.group.groupId === family)?.unread === 2 &&
        s.peers.get(bob.peerId)?.connected === true,
    )
  })

  after(async () => {
    for (const s of [session, bobSession]) {
      s?.dispose()
      s?.client.close()
    }
    await Promise.all([alice?.stop(), bob?.stop()])
  })

  test('the group list shows every group, newest first, with its unread count', async () => {
    const { groups } = session.getSnapshot()
    const html = render(session, createElement(GroupList, { groups, active: null, onSelect() {} }))
    const familyAt = html.indexOf('>Family<')
    const quietAt = html.indexOf('>Quiet corner<')
    assert.ok(familyAt >= 0 && quietAt >= 0, 'both groups are listed')
    assert.ok(familyAt < quietAt, 'the group with the latest message comes first')
    assert.match(html, /Bob &lt;img src=x onerror=&quot;alert\(1\)&quot;&gt;: See you at six/)
    assert.equal(html.match(/class="badge"/g)?.length, 1, 'only Family has unread messages')
    assert.match(html, /<span class="visually-hidden">2 unread messages<\/span>/)
    assert.match(html, /No messages yet/)

    session.view(family, true)
    await session.openChat(family)
    const latest = session.getSnapshot().chats.get(family)?.log.last()
    assert.ok(latest)
    session.seen(family, latest)
    const { groups: readGroups } = await until(session, 'Family is read', (s) =>
      s.groups.every((g) => g.unread === 0),
    )
    const read = render(
      session,
      createElement(GroupList, { groups: readGroups, active: family, onSelect() {} }),
    )
    assert.doesNotMatch(read, /class="badge"/, 'seeing the latest message reads the group')
    session.view(null, true)
  })

  test('message text and names with HTML and javascript: links render as text', async () => {
    await session.openChat(family)
    const log = session.getSnapshot().chats.get(family)?.log
    const message = log?.items.find((m: Message) => m.text === HOSTILE_TEXT)
    assert.ok(message, 'the message reached Alice')
    const html = render(
      session,
      createElement(MessageItem, {
        message,
        continued: false,
        me: session.me,
        replyTarget: null,
        actions: noActions,
      }),
    )
    // No element and no attribute came from the text: every < and " in it is escaped.
    assert.doesNotMatch(html, /<script|<img|<a[\s>]|\shref="|\sonerror="/i)
    assert.match(html, /&lt;script&gt;alert\(2\)&lt;\/script&gt;/)
    assert.match(html, /&lt;a href=&quot;javascript:alert\(3\)&quot;&gt;x&lt;\/a&gt;/)
    assert.match(html, />Bob &lt;img src=x onerror=&quot;alert\(1\)&quot;&gt;</, 'the name too')
    const links = [...html.matchAll(/<button type="button" class="link">([^<]*)<\/button>/g)]
    assert.deepEqual(
      links.map((m) => m[1]),
      ['https://example.com/a'],
      'only the web address is a link, and a link is a button that asks first',
    )
  })

  test('an admin is offered Delete on anyone’s message, Edit only on its own', async () => {
    const message = session
      .getSnapshot()
      .chats.get(family)
      ?.log.items.find((m: Message) => m.text === HOSTILE_TEXT)
    assert.ok(message && message.author !== session.me, 'a message by someone else')
    const actionsOf = (canDelete: boolean) =>
      [
        ...render(
          session,
          createElement(MessageItem, {
            message,
            continued: false,
            me: session.me,
            replyTarget: null,
            actions: noActions,
            canDelete,
          }),
        ).matchAll(/aria-label="(Reply|Add reaction|Edit|Delete)"/g),
      ].map((m) => m[1])
    assert.deepEqual(actionsOf(true), ['Reply', 'Add reaction', 'Delete'])
    assert.deepEqual(actionsOf(false), ['Reply', 'Add reaction'])
  })

  test('the status bar says how many members are reachable', async () => {
    const group = (id: string) => session.getSnapshot().groups.find((g) => g.group.groupId === id)
    const statusOf = (html: string) => html.replace(/<[^>]+>/g, '')
    const familyGroup = group(family)?.group
    assert.equal(
      statusOf(render(session, createElement(StatusBar, { group: familyGroup }))),
      '1 of 1 members reachable',
    )
    assert.equal(
      statusOf(render(session, createElement(StatusBar, { group: familyGroup }), 'ko')),
      '멤버 1명 중 1명 연결 가능',
    )
    assert.equal(
      statusOf(render(session, createElement(StatusBar, { group: group(quiet)?.group }))),
      'Only you are in this group so far',
    )
    assert.equal(
      statusOf(render(session, createElement(StatusBar, { group: undefined }))),
      'Connected to 1 peer',
    )
  })

  test('the invite dialog draws the long invite as a QR code, with expiry and uses', async () => {
    const expiresAt = Date.now() + 3600_000
    const { invite } = await session.client.call('groups.invite', {
      group: family,
      uses: 5,
      expiresInMs: 3600_000,
    })
    const html = render(
      session,
      createElement(LongInvite, { invite: { invite, uses: 5, expiresAt } }),
    )
    assert.match(html, /<svg class="qr" role="img" aria-label="QR code of the invite"/)
    assert.ok(html.includes(`>${invite}</textarea>`), 'the invite text is there to copy')
    assert.ok(html.includes(`Valid until ${makeFmt('en').dateTime(expiresAt)}`))
    assert.ok(html.includes('Up to 5 people can join with it'))

    // The drawn modules are exactly the QR code of this invite.
    const { modules } = create(invite, { errorCorrectionLevel: QR_ERROR_CORRECTION })
    const drawn = new Set<string>()
    const rect = /<rect x="(\d+)" y="(\d+)" width="(\d+)" height="1" fill="#000">/g
    for (const [, x, y, width] of html.matchAll(rect)) {
      for (let i = 0; i < Number(width); i++) drawn.add(`${Number(x) - 4 + i},${Number(y) - 4}`)
    }
    let dark = 0
    for (let y = 0; y < modules.size; y++) {
      for (let x = 0; x < modules.size; x++) {
        if (modules.get(y, x)) {
          dark++
          assert.ok(drawn.has(`${x},${y}`), `module ${x},${y} is drawn`)
        }
      }
    }
    assert.equal(drawn.size, dark, 'and nothing else is')
  })

  test('the short code shows its countdown, then that it expired', async () => {
    const code = await session.client.call('groups.code', { group: family })
    const running = render(
      session,
      createElement(ShortCode, { code, now: code.expiresAt - 125_000 }),
    )
    assert.ok(running.includes(`>${code.code}</p>`))
    assert.match(running, /Expires in 2:05/)
    const expired = render(session, createElement(ShortCode, { code, now: code.expiresAt }))
    assert.match(expired, /This code has expired\./)
    assert.ok(!expired.includes(code.code))
  })

  test('settings show the data folder and the version', async () => {
    const inMemory = render(session, createElement(SettingsDialog, { onClose() {} }))
    assert.match(inMemory, /nothing is saved when it stops/)
    assert.ok(inMemory.includes(`Version ${HEARTH_VERSION}`))
    assert.ok(inMemory.includes(alice.peerId))

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-components-'))
    const stored = await createPeer({
      dataDir: dir,
      listen: ['/ip4/127.0.0.1/tcp/0'],
      mdns: false,
    })
    const storedSession = await openSession(stored)
    try {
      const html = render(storedSession, createElement(SettingsDialog, { onClose() {} }), 'ko')
      assert.ok(html.includes(`data-testid="data-dir">${dir}</p>`))
      assert.ok(html.includes(`버전 ${HEARTH_VERSION}`))
    } finally {
      storedSession.dispose()
      storedSession.client.close()
      await stored.stop()
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })

  test('your own messages say saved, then seen by how many of the others', async () => {
    await session.send(family, 'Dinner is ready', null)
    const sent = await until(session, 'the message is in the chat', (s) =>
      (s.chats.get(family)?.log.items ?? []).some((m) => m.text === 'Dinner is ready'),
    )
    const mine = sent.chats.get(family)?.log.items.find((m) => m.text === 'Dinner is ready')
    assert.ok(mine)
    const group = sent.groups.find((g) => g.group.groupId === family)?.group
    assert.ok(group)
    const item = (snapshot: typeof sent, lang: 'en' | 'ko' = 'en') => {
      const seen = seenBy(mine, snapshot.receipts.get(family) ?? [], group.members)
      return render(
        session,
        createElement(MessageItem, {
          message: mine,
          continued: false,
          me: session.me,
          replyTarget: null,
          actions: noActions,
          seenBy: seen.by,
          seenOf: seen.of,
          deliveryInWords: true,
        }),
        lang,
      )
    }
    assert.match(item(sent), /aria-label="Saved"/)
    assert.doesNotMatch(item(sent), /Seen by/)

    // Bob has it on screen while looking at his window.
    bobSession.view(family, true)
    await bobSession.openChat(family)
    const bobs = await until(bobSession, 'Bob has the message', (s) =>
      (s.chats.get(family)?.log.items ?? []).some((m) => m.id === mine.id),
    )
    const onScreen = bobs.chats.get(family)?.log.get(mine.id)
    assert.ok(onScreen)
    bobSession.seen(family, onScreen)
    const seen = await until(session, 'Alice hears that Bob saw it', (s) =>
      (s.receipts.get(family) ?? []).some(
        (r) => r.peerId === bob.peerId && r.messageId === mine.id,
      ),
    )
    assert.match(item(seen), /aria-label="Seen by 1 of 1"/)
    assert.match(item(seen), />Seen by 1 of 1</, 'and in words on the latest one')
    assert.match(item(seen, 'ko'), />1명 중 1명이 읽음</)
    bobSession.view(null, true)
  })

  test('the status bar says when the peer is catching up, and how far', async () => {
    const group = session.getSnapshot().groups.find((g) => g.group.groupId === family)?.group
    const text = (lang: 'en' | 'ko' = 'en') =>
      render(session, createElement(StatusBar, { group }), lang).replace(/<[^>]+>/g, '')
    // What the peer reports while it checks a large update it received.
    alice.events.emit('catchUpProgressed', { groupId: family, active: true, updates: 1234 })
    await until(session, 'the session heard', (s) => s.catchingUp.get(family) === 1234)
    assert.equal(text(), '1 of 1 members reachableCatching up (1,234 updates)')
    assert.match(text('ko'), /동기화 중 \(업데이트 1,234개\)/)
    alice.events.emit('catchUpProgressed', { groupId: family, active: false, updates: 0 })
    await until(session, 'done', (s) => s.catchingUp.size === 0)
    assert.equal(text(), '1 of 1 members reachable')
  })

  test('the desktop app’s background process: restarting, running again, failed', () => {
    const html = (notice: Parameters<typeof HostBanner>[0]['notice'], lang: 'en' | 'ko' = 'en') =>
      render(session, createElement(HostBanner, { notice, onRetry() {}, onDismiss() {} }), lang)
    assert.match(
      html({ kind: 'restarting', restarts: 1, retryInMs: 2000 }),
      /role="alert".*stopped unexpectedly\. Restarting in 2 s…/,
    )
    assert.match(
      html({ kind: 'restarting', restarts: 1, retryInMs: 2000 }, 'ko'),
      /2초 후 다시 시작/,
    )
    assert.match(
      html({ kind: 'running-again', restarts: 1 }),
      /role="status".*running again.*Dismiss/,
    )
    assert.match(html({ kind: 'failed', lastError: null }), /could not be restarted.*Try again/)
  })

  test('the members panel shows who is online and only counts nearby strangers', async () => {
    const strangers = [
      peerIdFromPrivateKey(await generateKeyPair('Ed25519')),
      peerIdFromPrivateKey(await generateKeyPair('Ed25519')),
    ]
    // What mDNS reports for each Hearth peer it hears: two strangers, and Bob, who is a member.
    for (const id of [...strangers, peerIdFromString(bob.peerId)]) {
      alice.libp2p.dispatchEvent(
        new CustomEvent('peer:discovery', { detail: { id, multiaddrs: [] } }),
      )
    }
    await session.refreshStatus()
    const group = session.getSnapshot().groups.find((g) => g.group.groupId === family)?.group
    assert.ok(group)
    const html = render(session, createElement(PeersPanel, { group }))
    assert.match(html, /2 other Hearth devices nearby/, 'members are not counted as nearby')
    for (const id of strangers) assert.ok(!html.includes(id.toString()), 'never named')
    assert.equal(html.match(/data-testid="member"/g)?.length, 2)
    assert.match(html, /role="img" aria-label="Online"/)
    assert.doesNotMatch(html, /aria-label="Offline"/)
    assert.match(html, /Connected via 127\.0\.0\.1/)
  })

  // Last: Bob goes away for good.
  test('a member who stopped shows as offline, with when they were last seen', async () => {
    await bob.stop()
    const gone = await until(
      session,
      'Alice sees Bob offline, with a time',
      (s) =>
        s.peers.get(bob.peerId)?.connected === false && s.peers.get(bob.peerId)?.lastSeen != null,
    )
    const group = gone.groups.find((g) => g.group.groupId === family)?.group
    assert.ok(group)
    const html = render(session, createElement(PeersPanel, { group }))
    assert.match(html, /aria-label="Offline"/)
    assert.match(html, /Last seen now/)
    assert.match(render(session, createElement(PeersPanel, { group }), 'ko'), /마지막 접속: 지금/)
    const stored = (await alice.handlers['peers.list']({})).find((p) => p.peerId === bob.peerId)
    assert.ok(stored?.lastSeen != null && stored.lastSeen <= Date.now())
  })
})
