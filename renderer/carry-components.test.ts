// The backup and bundle dialogs rendered to HTML (react-dom/server) against a real peer in this
// process: in a browser tab the path is typed (and the hint says whose machine it is on), in the
// desktop app a native dialog picks it; every string is there in Korean too.
import '../e2e/harness/tsx-hooks.ts'
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createElement, type ReactNode } from 'react'
import { renderToString } from 'react-dom/server'
import { createPeer, type Peer } from '../shared/peer/peer.ts'
import { openSession } from '../e2e/harness/in-process-session.ts'
import { en } from './i18n/en.ts'
import { makeFmt } from './i18n/format.ts'
import { ko } from './i18n/ko.ts'
import type { DesktopApi } from './platform/desktop-api.ts'
import type { Session } from './state/session.ts'

const { I18nProvider, describeError } = await import('./i18n/index.tsx')
const { SessionContext } = await import('./state/session-context.tsx')
const { DesktopContext } = await import('./platform/desktop-context.tsx')
const { BackupDialog } = await import('./features/carry/BackupDialog.tsx')
const { RestoreDialog } = await import('./features/carry/RestoreDialog.tsx')
const { SaveBundleDialog, ImportBundleDialog } = await import('./features/carry/BundleDialogs.tsx')
const { GroupMenu } = await import('./features/carry/GroupMenu.tsx')
const { datedName, isAbsolutePath } = await import('./features/carry/PathField.tsx')
const { formatBytes } = await import('./features/carry/bytes.ts')

const english = en(makeFmt('en'))
const korean = ko(makeFmt('ko-KR'))
const desktop = { saveFile: async () => null, openFiles: async () => [] } as unknown as DesktopApi

function render(
  session: Session,
  node: ReactNode,
  lang: 'en' | 'ko' = 'en',
  onDesktop = false,
): string {
  const inner = createElement(SessionContext.Provider, { value: session }, node)
  return renderToString(
    createElement(I18nProvider, {
      initial: lang,
      onChange: () => {},
      children: onDesktop
        ? createElement(DesktopContext.Provider, { value: desktop }, inner)
        : inner,
    }),
  )
}

/** React escapes text; compare with the text as it appears in HTML. */
const html = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

describe('backup and bundle dialogs', () => {
  let peer: Peer
  let session: Session
  before(async () => {
    peer = await createPeer({ listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, name: 'Ana' })
    session = await openSession(peer)
    await session.createGroup('Family')
  })
  after(async () => {
    session.dispose()
    await peer.stop()
  })

  test('in a browser tab the path is typed, and the hint says it is on the peer’s machine', () => {
    const out = render(session, createElement(BackupDialog, { onClose() {} }))
    for (const s of [english.backupTitle, english.backupPassphrase, english.backupIncludeFiles]) {
      assert.ok(out.includes(html(s)), s)
    }
    assert.ok(out.includes(html(english.pathOnPeerHint)))
    assert.match(out, /type="password"/)
    assert.ok(!out.includes(english.chooseFile))
  })

  test('in the desktop app a native dialog chooses it', () => {
    const out = render(
      session,
      createElement(RestoreDialog, { onClose() {}, onRestored() {} }),
      'en',
      true,
    )
    assert.ok(out.includes(html(english.chooseFile)))
    assert.ok(out.includes(html(english.noFileChosen)))
    assert.ok(!out.includes(html(english.pathOnPeerHint)))
  })

  test('every dialog speaks Korean', () => {
    const group = session.getSnapshot().groups[0]?.group
    assert.ok(group)
    const out = [
      render(session, createElement(BackupDialog, { onClose() {} }), 'ko'),
      render(session, createElement(RestoreDialog, { onClose() {}, onRestored() {} }), 'ko'),
      render(session, createElement(SaveBundleDialog, { group, onClose() {} }), 'ko'),
      render(session, createElement(ImportBundleDialog, { onClose() {} }), 'ko'),
    ].join('')
    for (const s of [
      korean.backupTitle,
      korean.restoreText,
      korean.carryTitle('Family'),
      korean.carryAllFiles,
      korean.carryNoFiles,
      korean.importText,
    ]) {
      assert.ok(out.includes(html(s)), s)
    }
    assert.ok(!out.includes(html(english.carryWho)), 'no English left')
  })

  test('a path that names no file is said so, in words that do not blame the shelf', async () => {
    // The peer answers FILE_NOT_FOUND for a missing bundle or backup as for a shelf file; the
    // dialogs used to tell someone who mistyped a path "That file is not on the shelf."
    const missing = await session.client
      .call('bundle.import', { path: '/nonexistent-hearth-qa/family.hearth-bundle' })
      .then(
        () => assert.fail('imported a file that does not exist'),
        (err: unknown) => err,
      )
    assert.equal((missing as { code?: string }).code, 'FILE_NOT_FOUND')
    assert.doesNotMatch(describeError(english, missing), /shelf/i)
    assert.doesNotMatch(describeError(korean, missing), /선반|공유함/)
  })

  test('the group menu is one labelled button until it opens', () => {
    const out = render(
      session,
      createElement(GroupMenu, { items: [{ label: english.saveForCarrying, onSelect() {} }] }),
    )
    assert.match(out, /aria-haspopup="menu"/)
    assert.match(out, /aria-label="More"/)
    assert.ok(!out.includes(html(english.saveForCarrying)), 'closed at first')
  })

  test('paths, names and sizes', () => {
    assert.ok(isAbsolutePath('/media/usb/a'))
    assert.ok(isAbsolutePath('C:\\Users\\ana\\a'))
    assert.ok(!isAbsolutePath('backup.file'))
    assert.equal(
      datedName('Family / 가족', 'hearth-bundle', new Date(2026, 4, 9)),
      'Family-가족-2026-05-09.hearth-bundle',
    )
    assert.equal(datedName('../..', 'x', new Date(2026, 0, 1)), 'hearth-2026-01-01.x')
    assert.equal(formatBytes('en', 50 * 1024 * 1024), '50 MB')
    assert.equal(formatBytes('en', 1), '1 byte')
  })
})
