// The shelf tab rendered to HTML (react-dom/server) against real peers in this process, like
// components.test.ts: folders, versions, who added what, where copies are (an offline holder
// included), download states, and file names that carry HTML or invisible characters shown as
// the text they are.
import '../e2e/harness/tsx-hooks.ts'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import { createElement } from 'react'
import type { Group, ShelfFile } from '../shared/api/index.ts'
import { createPeer, type Peer } from '../shared/peer/peer.ts'
import { openSession, until } from '../e2e/harness/in-process-session.ts'
import { render } from '../e2e/harness/render.ts'
import type { Session } from './state/session.ts'
import type { GroupShelf, Shelves } from './state/shelves.ts'

const { shelvesFor } = await import('./state/shelves-context.tsx')
const { ShelfView } = await import('./features/shelf/ShelfView.tsx')
const { FileRow } = await import('./features/shelf/FileRow.tsx')

const HOSTILE_NAME = 'Bob <img src=x onerror="alert(1)">'
const SCRIPT_FILE = '<script>alert(2)<script>.txt'
const INVISIBLE_FILE = 'zero\u200bwidth.txt'
const MB = 1024 * 1024

/** Text as a person reads it: tags gone, entities decoded. */
function text(html: string): string {
  return html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#x27;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
}

/** Resolves once the group's shelf state satisfies `check`; re-checked on every change. */
function untilShelf(
  shelves: Shelves,
  groupId: string,
  what: string,
  check: (shelf: GroupShelf) => boolean,
): Promise<GroupShelf> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off()
      reject(new Error(`timed out waiting until ${what}`))
    }, 20_000)
    const look = () => {
      const shelf = shelves.shelf(groupId)
      if (!check(shelf)) return
      off()
      clearTimeout(timer)
      resolve(shelf)
    }
    const off = shelves.subscribe(look)
    shelves.load(groupId)
    look()
  })
}

describe('shelf tab against real peers', () => {
  let alice: Peer
  let bob: Peer
  let session: Session
  let bobSession: Session
  let groupId: string
  let dir: string
  const ids: Record<string, string> = {}

  const group = (): Group => {
    const found = session.getSnapshot().groups.find((g) => g.group.groupId === groupId)?.group
    assert.ok(found)
    return found
  }
  const shelfOf = (folder = '') =>
    render(session, createElement(ShelfView, { group: group(), tabs: null, initialFolder: folder }))

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-shelf-components-'))
    const options = { listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false }
    alice = await createPeer({ ...options, name: 'Alice' })
    bob = await createPeer({ ...options, name: HOSTILE_NAME })
    session = await openSession(alice)
    bobSession = await openSession(bob)
    const created = await session.createGroup('Family')
    groupId = created.groupId
    await bobSession.joinGroup(created.invite)
    // Alice fetches nothing of Bob's on her own: his files stay only on his device.
    await alice.handlers['shelf.setPolicy']({ group: groupId, autoDownloadMaxBytes: 0 })
    const add = async (peer: Peer, key: string, name: string, bytes: string, folder?: string) => {
      const file = path.join(dir, key)
      fs.writeFileSync(file, bytes)
      const added = await peer.handlers['shelf.add']({
        group: groupId,
        path: file,
        name,
        ...(folder !== undefined && { folder }),
      })
      ids[key] = added.fileId
    }
    await add(alice, 'menu1', 'menu.pdf', 'soup')
    await add(alice, 'menu2', 'menu.pdf', 'soup and bread')
    await add(alice, 'beach', 'beach.jpg', 'sand', 'Photos/2026')
    await add(bob, 'script', SCRIPT_FILE, 'alert')
    await add(bob, 'invisible', INVISIBLE_FILE, 'x')
    await until(
      session,
      'Alice sees Bob online',
      (s) => s.peers.get(bob.peerId)?.connected === true,
    )
    // Bob keeps small files: the newest menu ends up on both devices.
    await untilShelf(shelvesFor(session), groupId, 'the menu is on both devices', (s) => {
      const menu = s.files.find((f) => f.fileId === ids.menu2)
      return menu?.holders.length === 2 && s.files.length === 5
    })
  })

  after(async () => {
    for (const s of [session, bobSession]) {
      s?.dispose()
      s?.client.close()
    }
    await Promise.all([alice?.stop(), bob?.stop()])
    if (dir) fs.rmSync(dir, { recursive: true, force: true })
  })

  test('the top of the shelf lists folders, then files with their versions and who added them', () => {
    const shown = text(shelfOf())
    assert.match(shown, /Photos 1 file/)
    assert.match(shown, /menu\.pdf 2 versions 14 bytes · Added by You,/)
    assert.ok(shown.indexOf('Photos') < shown.indexOf('menu.pdf'), 'folders come first')
    assert.equal(shelfOf().match(/data-testid="shelf-file"/g)?.length, 3, 'one row per name')
    assert.match(shown, /Add files/)
  })

  test('inside a folder, the breadcrumbs lead back up', () => {
    const html = shelfOf('Photos/2026')
    assert.match(text(html), /Shelf › Photos › 2026|Shelf Photos 2026/)
    assert.match(html, /aria-current="location">2026</)
    assert.match(text(html), /beach\.jpg/)
    assert.doesNotMatch(text(html), /menu\.pdf/)
  })

  test('names with HTML or invisible characters show as what they are', () => {
    const html = shelfOf()
    assert.doesNotMatch(html, /<script|<img/i)
    assert.ok(html.includes('&lt;script&gt;alert(2)&lt;script&gt;.txt'))
    assert.ok(html.includes('zero\\u{200B}width.txt'), 'the zero-width space is made visible')
    assert.ok(!html.includes('\u200b'), 'and is not there to hide anything')
    assert.match(text(html), /Added by Bob <img src=x onerror="alert\(1\)">/)
  })

  test('availability: on both devices, or only on Bob’s, online and then offline', async () => {
    let shown = text(shelfOf())
    assert.match(shown, /menu\.pdf .*On 2 members’ devices, 1 online now/)
    const onlyBob = `Only on ${HOSTILE_NAME}’s device — online`
    assert.ok(shown.includes(onlyBob), shown)
    assert.match(shown, /Not on this device/)
    assert.match(
      text(render(session, createElement(ShelfView, { group: group(), tabs: null }), 'ko')),
      /기기에만 있음 — 온라인/,
    )

    await bob.stop()
    await until(
      session,
      'Alice sees Bob offline',
      (s) => s.peers.get(bob.peerId)?.connected === false,
    )
    shown = text(shelfOf())
    assert.ok(shown.includes(`Only on ${HOSTILE_NAME}’s device — offline`), shown)
  })

  test('a download shows its progress, rate and time left, or whom it waits for', () => {
    const file: ShelfFile = {
      fileId: 'f'.repeat(26),
      name: 'film.mkv',
      folder: '',
      size: 10 * MB,
      sha256: 'a'.repeat(64),
      mediaType: 'video/x-matroska',
      addedBy: bob.peerId,
      addedByName: 'Minsu',
      addedAt: Date.UTC(2026, 4, 1),
      local: false,
      removed: false,
      holders: [bob.peerId],
      keep: false,
      keepReason: 'size',
      transfer: { state: 'fetching', waitingFor: [], bytes: 5 * MB, error: null },
    }
    const row = (
      f: ShelfFile,
      progress?: { bytes: number; total: number; rate: number; sources: number },
    ) =>
      createElement(FileRow, {
        groupId,
        row: { key: '/film.mkv', latest: f, versions: [f] },
        me: alice.peerId,
        canEdit: false,
        nameOf: (p: string) => (p === bob.peerId ? 'Minsu' : ''),
        isConnected: () => false,
        progress,
        savedPath: undefined,
        autoDownloadMaxBytes: 50 * MB,
        onAction() {},
      })
    const fetching = render(
      session,
      row(file, { bytes: 5 * MB, total: 10 * MB, rate: MB, sources: 1 }),
    )
    assert.match(fetching, /<progress max="10485760" value="5242880"/)
    assert.match(text(fetching), /5 MB of 10 MB · 1 MB\/s · about 5 sec left/)
    assert.match(text(fetching), /Only on Minsu’s device — offline/)
    assert.match(text(fetching), /Cancel/)
    const waiting = {
      ...file,
      transfer: { ...file.transfer!, state: 'waiting' as const, waitingFor: [bob.peerId] },
    }
    assert.match(text(render(session, row(waiting))), /Waiting for Minsu to come online/)
    assert.match(
      text(render(session, row(waiting), 'ko')),
      /Minsu 님이 온라인이 되기를 기다리는 중/,
    )
    const failed = {
      ...file,
      transfer: {
        ...file.transfer!,
        state: 'failed' as const,
        error: { code: 'BAD_INPUT', message: 'The stored file does not match its shelf entry.' },
      },
    }
    assert.match(
      text(render(session, row(failed))),
      /The download failed: The stored file does not match/,
    )
    assert.match(text(render(session, row(failed))), /Retry/)
  })

  test('a removed file leaves its folder, and can be shown to restore it', async () => {
    await alice.handlers['shelf.remove']({ group: groupId, fileId: ids.beach as string })
    await untilShelf(shelvesFor(session), groupId, 'the beach photo is removed', (s) =>
      s.files.some((f) => f.fileId === ids.beach && f.removed),
    )
    assert.doesNotMatch(text(shelfOf()), /Photos/, 'a folder of removed files is not shown')
    const inside = text(shelfOf('Photos/2026'))
    assert.match(inside, /Show 1 removed file/)
    assert.doesNotMatch(inside, /beach\.jpg/)
  })
})
