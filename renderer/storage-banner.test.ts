// What the person sees when their peer cannot save: a real peer whose store fails on command,
// the real RPC layer, the Session and the banner rendered to HTML in both languages.
import '../e2e/harness/tsx-hooks.ts'
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createElement } from 'react'
import { renderToString } from 'react-dom/server'
import { HearthError } from '../shared/api/index.ts'
import { createPeer, type Peer } from '../shared/peer/peer.ts'
import { FaultyStore } from '../shared/peer/storage/test-fixtures.ts'
import { openSession, until } from '../e2e/harness/in-process-session.ts'
import type { Session } from './state/session.ts'

const { I18nProvider } = await import('./i18n/index.tsx')
const { SessionContext } = await import('./state/session-context.tsx')
const { StorageBanner } = await import('./features/status/StorageBanner.tsx')

function storageFailed(err: unknown): boolean {
  assert.ok(err instanceof HearthError)
  assert.equal(err.code, 'STORAGE_FAILED')
  return true
}

function banner(session: Session, lang: 'en' | 'ko'): string {
  return renderToString(
    createElement(I18nProvider, {
      initial: lang,
      onChange: () => {},
      children: createElement(
        SessionContext.Provider,
        { value: session },
        createElement(StorageBanner),
      ),
    }),
  )
}

describe('the storage banner', () => {
  const disk = new FaultyStore()
  let peer: Peer
  let session: Session

  before(async () => {
    peer = await createPeer({ store: disk, listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false })
    session = await openSession(peer)
  })
  after(async () => {
    session.dispose()
    session.client.close()
    await peer.stop()
  })

  test('appears in one sentence when saving stops, in English and Korean, and goes by itself', async () => {
    const { groupId } = await session.createGroup('Family')
    await session.openChat(groupId)
    assert.equal(banner(session, 'en'), '', 'nothing while all is well')

    disk.fail('missing')
    // Whatever writes next finds out (the peer's folder check would, on a real disk)...
    await assert.rejects(session.setName('Ana'), storageFailed)
    await until(
      session,
      'the session hears that saving stopped',
      (s) => s.status?.storage.writable === false,
    )
    // ...and from then on a message is refused before it is applied or sent.
    await assert.rejects(session.send(groupId, 'lost?', null), storageFailed)
    const chat = session.getSnapshot().chats.get(groupId)
    assert.deepEqual(
      chat?.pending.map((p) => [p.text, p.state]),
      [['lost?', 'failed']],
      'the message shows as not sent',
    )
    assert.ok(!chat?.log.items.some((m) => m.text === 'lost?'), 'and never as sent')
    assert.match(banner(session, 'en'), /role="alert".*USB stick pulled out\?/)
    assert.match(banner(session, 'ko'), /USB 메모리를 뽑았나요\?/)

    disk.heal()
    await until(
      session,
      'the session hears that saving resumed',
      (s) => s.status?.storage.writable === true,
    )
    assert.equal(banner(session, 'en'), '')
    await session.send(groupId, 'saved', null)
  })
})
