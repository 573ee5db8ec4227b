import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { HearthError } from '../../api/index.ts'
import { shelfFields, signEntry, type ShelfEntry, type Unsigned } from './entries.ts'
import { GroupReplica } from './replica.ts'
import type { Signer } from './signing.ts'
import { entryUpdate, join, makeSigners, ManualTime, options, pull, syncAll } from './testing.ts'

const [founder, bob, carol] = (await makeSigners(3)) as [Signer, Signer, Signer]

const BLOB = 'a'.repeat(64)
const HASH = 'b'.repeat(64)

function file(name: string, folder = '') {
  return { blobId: BLOB, name, folder, size: 5, mediaType: 'text/plain', sha256: HASH }
}

type ShelfBody =
  Unsigned<ShelfEntry> extends infer T
    ? T extends unknown
      ? Omit<T, 'v' | 'group' | 'author' | 'prev'>
      : never
    : never

/** A shelf entry signed by `signer`, whatever the rules say: what a hostile member can send. */
function signShelf(signer: Signer, group: string, body: ShelfBody, prev: string | null = null) {
  return signEntry<ShelfEntry>(
    signer,
    { v: 2, group, author: signer.peerId, prev, ...body } as Unsigned<ShelfEntry>,
    shelfFields,
  )
}

async function threeMembers() {
  const time = new ManualTime()
  const a = GroupReplica.create('Office', options(founder, time, 'Founder'))
  time.now += 10
  const b = await join(a, a, bob, time)
  time.now += 10
  const c = await join(a, a, carol, time)
  await syncAll([a, b, c])
  return { time, a, b, c }
}

function code(fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    assert.ok(err instanceof HearthError, String(err))
    return err.code
  }
  return 'no error'
}

describe('shelf index', () => {
  test('add, rename, remove and restore show on every replica', async () => {
    const { time, a, b, c } = await threeMembers()
    time.now += 10
    const id = b.addFile(file('report.txt'))
    await syncAll([a, b, c])
    for (const r of [a, b, c]) {
      const [view] = r.shelfFiles()
      assert.deepEqual(view, {
        fileId: id,
        blobId: BLOB,
        name: 'report.txt',
        folder: '',
        size: 5,
        mediaType: 'text/plain',
        sha256: HASH,
        addedBy: bob.peerId,
        addedAt: view?.addedAt,
        removed: false,
        holders: [bob.peerId],
      })
      assert.ok(r.shelfHoldsBlob(BLOB))
      assert.equal(r.shelfHoldsBlob(HASH), false)
    }
    time.now += 10
    b.moveFile(id, { name: 'final.txt', folder: 'work/2026' })
    await syncAll([a, b, c])
    assert.equal(c.shelfFile(id)?.name, 'final.txt')
    assert.equal(c.shelfFile(id)?.folder, 'work/2026')

    // Carol neither added it nor is an admin.
    assert.equal(
      code(() => c.removeFile(id)),
      'NOT_THE_AUTHOR',
    )
    assert.equal(
      code(() => c.moveFile(id, { name: 'mine.txt' })),
      'NOT_THE_AUTHOR',
    )
    // The founder is an admin: may remove it; the author restores it.
    time.now += 10
    a.removeFile(id)
    await syncAll([a, b, c])
    assert.equal(c.shelfFile(id)?.removed, true)
    time.now += 10
    b.restoreFile(id)
    await syncAll([a, b, c])
    for (const r of [a, b, c]) assert.equal(r.shelfFile(id)?.removed, false)
    assert.equal(
      code(() => b.removeFile('a'.repeat(26))),
      'FILE_NOT_FOUND',
    )
  })

  test('a remove or rename by a member who is neither the author nor an admin is ignored', async () => {
    const { time, a, b, c } = await threeMembers()
    time.now += 10
    const id = b.addFile(file('plan.txt'))
    await syncAll([a, b, c])
    // Carol's replica refuses, so she forges the entries the way a modified client would.
    const remove = signShelf(carol, a.groupId, { kind: 'remove', target: id, ts: time.now + 5 })
    const rename = signShelf(
      carol,
      a.groupId,
      { kind: 'rename', target: id, name: 'x.txt', folder: '', ts: time.now + 6 },
      remove.id,
    )
    for (const signed of [remove, rename]) {
      const result = await a.applyRemote(entryUpdate('shelf', signed.id, signed.entry), 'carol')
      assert.equal(result.kind, 'applied', 'well-formed and signed: stored, but without effect')
    }
    assert.equal(a.shelfFile(id)?.removed, false)
    assert.equal(a.shelfFile(id)?.name, 'plan.txt')
  })

  test('a new file with the same name keeps the older versions listed', async () => {
    const { time, a, b } = await threeMembers()
    time.now += 10
    const first = a.addFile(file('menu.pdf'))
    time.now += 10
    const second = b.addFile({ ...file('menu.pdf'), blobId: 'c'.repeat(64), size: 9 })
    await syncAll([a, b])
    for (const r of [a, b]) {
      const versions = r.shelfFiles().filter((f) => f.name === 'menu.pdf')
      assert.deepEqual(
        versions.map((f) => f.fileId),
        [first, second],
        'oldest first',
      )
    }
  })

  test('concurrent renames of one file converge to the same name on every replica', async () => {
    const { time, a, b, c } = await threeMembers()
    time.now += 10
    const id = b.addFile(file('draft.txt'))
    await syncAll([a, b, c])
    // Partitioned: the admin and the author rename at once, then each also moves it once more.
    for (let round = 0; round < 3; round++) {
      a.moveFile(id, { name: `admin-${round}.txt` })
      b.moveFile(id, { name: `author-${round}.txt`, folder: `f${round}` })
      if (round === 1) time.now += 1
    }
    assert.notEqual(a.shelfFile(id)?.name, b.shelfFile(id)?.name)
    await pull(c, b)
    await pull(c, a)
    await pull(a, b)
    await pull(b, a)
    const views = [a, b, c].map((r) => JSON.stringify(r.shelfFiles()))
    assert.equal(views[0], views[1])
    assert.equal(views[1], views[2])
    const name = a.shelfFile(id)?.name ?? ''
    assert.ok(name === 'admin-2.txt' || name === 'author-2.txt', name)
  })

  test('hostile names and folders are rejected at validation, and refused locally', async () => {
    const { time, a, b } = await threeMembers()
    const hostileNames = [
      '../escape.txt',
      'a/b.txt',
      'a\\b.txt',
      '..',
      '.',
      '',
      ' padded ',
      'evil\u202egnp.exe',
      'bell\u0007.txt',
      'line\nbreak.txt',
      'x'.repeat(256),
    ]
    const hostileFolders = ['../up', '/abs', 'a//b', 'a/', 'a/../b', 'rtl\u2067', 'x/'.repeat(20)]
    let n = 0
    const bodies: ShelfBody[] = [
      ...hostileNames.map((name) => ({ kind: 'file' as const, ...file(name), ts: time.now + ++n })),
      ...hostileFolders.map((folder) => ({
        kind: 'file' as const,
        ...file('ok.txt', folder),
        ts: time.now + ++n,
      })),
      { kind: 'file', ...file('ok.txt'), blobId: 'XYZ', ts: time.now + ++n },
      { kind: 'file', ...file('ok.txt'), size: -1, ts: time.now + ++n },
      { kind: 'file', ...file('ok.txt'), mediaType: 'text/html; evil', ts: time.now + ++n },
    ]
    for (const body of bodies) {
      const signed = signShelf(bob, a.groupId, body)
      const result = await a.applyRemote(entryUpdate('shelf', signed.id, signed.entry), 'bob')
      assert.equal(result.kind, 'rejected', JSON.stringify(body))
    }
    assert.deepEqual(a.shelfFiles(), [])
    for (const name of hostileNames) {
      assert.equal(
        code(() => b.addFile(file(name))),
        'BAD_INPUT',
        JSON.stringify(name),
      )
    }
    for (const folder of hostileFolders) {
      assert.equal(
        code(() => b.addFile(file('ok.txt', folder))),
        'BAD_INPUT',
        JSON.stringify(folder),
      )
    }
    // What is allowed: any script, emoji, spaces inside, dots inside, nested folders.
    const ok = b.addFile(file('회의록 v2.final.txt', '프로젝트/2026 봄'))
    assert.equal(b.shelfFile(ok)?.name, '회의록 v2.final.txt')
  })

  test('a file added by someone who was not a member at that time is not listed', async () => {
    const { time, a } = await threeMembers()
    const [stranger] = (await makeSigners(1)) as [Signer]
    const signed = signShelf(stranger, a.groupId, { kind: 'file', ...file('x.txt'), ts: time.now })
    const result = await a.applyRemote(entryUpdate('shelf', signed.id, signed.entry), 'stranger')
    assert.notEqual(result.kind, 'rejected', 'authentic, so stored; membership decides the view')
    assert.deepEqual(a.shelfFiles(), [])
    assert.equal(a.shelfFile(signed.id), undefined)
  })

  test('the shelf survives a reload, and shelfChanged fires for remote entries', async () => {
    const { time, a, b } = await threeMembers()
    time.now += 10
    let changed = 0
    b.on('shelfChanged', () => changed++)
    const id = a.addFile(file('keep.txt', 'docs'))
    await pull(b, a)
    assert.equal(changed, 1)
    const reloaded = GroupReplica.load(a.groupId, [a.snapshot()], options(founder, time))
    assert.deepEqual(reloaded.shelfFiles(), a.shelfFiles())
    assert.equal(reloaded.shelfFile(id)?.folder, 'docs')
    // The reloaded replica continues its author chain: its next entry is accepted by others.
    time.now += 10
    reloaded.removeFile(id)
    await pull(b, reloaded)
    assert.equal(b.shelfFile(id)?.removed, true)
  })

  test('holders fold: adding holds, have and drop are the author’s latest word, on every replica', async () => {
    const { time, a, b, c } = await threeMembers()
    time.now += 10
    const id = b.addFile(file('photo.jpg'))
    await syncAll([a, b, c])
    const holders = (r: GroupReplica) => r.shelfFile(id)?.holders
    for (const r of [a, b, c]) assert.deepEqual(holders(r), [bob.peerId], 'the adder holds it')

    time.now += 10
    assert.equal(a.recordHolding([{ blobId: BLOB, have: true }]), 1)
    assert.equal(a.recordHolding([{ blobId: BLOB, have: true }]), 0, 'said already: nothing')
    time.now += 10
    // Several statements in one go are one update, chained like any other entries.
    assert.equal(
      c.recordHolding([
        { blobId: BLOB, have: true },
        { blobId: BLOB, have: true },
        { blobId: HASH, have: true },
      ]),
      2,
    )
    await syncAll([a, b, c])
    const all = [founder.peerId, bob.peerId, carol.peerId].sort()
    for (const r of [a, b, c]) assert.deepEqual(holders(r), all)

    time.now += 10
    b.recordHolding([{ blobId: BLOB, have: false }])
    await syncAll([a, b, c])
    for (const r of [a, b, c]) {
      assert.deepEqual(holders(r), [founder.peerId, carol.peerId].sort(), 'the drop counts')
    }
    // A drop of a blob no file names is not worth an entry.
    assert.equal(a.recordHolding([{ blobId: 'd'.repeat(64), have: false }]), 0)

    // A removed member no longer counts as holding anything.
    time.now += 10
    a.removeMember(carol.peerId)
    await syncAll([a, b])
    assert.deepEqual(holders(a), [founder.peerId])
    const reloaded = GroupReplica.load(a.groupId, [a.snapshot()], options(founder, time))
    assert.deepEqual(
      reloaded.shelfFile(id)?.holders,
      [founder.peerId],
      'the fold survives a reload',
    )
  })

  test('holding statements: forged, malformed or from non-members change nothing', async () => {
    const { time, a, b } = await threeMembers()
    time.now += 10
    const id = a.addFile(file('plan.txt'))
    await syncAll([a, b])
    const [stranger] = (await makeSigners(1)) as [Signer]
    // A stranger's signed word is stored (authentic) but never shown: not a member at its time.
    const theirs = signShelf(stranger, a.groupId, { kind: 'have', blobId: BLOB, ts: time.now + 1 })
    assert.notEqual(
      (await a.applyRemote(entryUpdate('shelf', theirs.id, theirs.entry), 'stranger')).kind,
      'rejected',
    )
    // Bob's drop passed off as the founder's: its id and signature no longer match.
    const forged = signShelf(bob, a.groupId, { kind: 'drop', blobId: BLOB, ts: time.now + 2 })
    const asFounder = { ...forged.entry, author: founder.peerId }
    assert.equal(
      (await a.applyRemote(entryUpdate('shelf', forged.id, asFounder), 'bob')).kind,
      'rejected',
    )
    for (const body of [
      { kind: 'have' as const, blobId: 'not-a-hash', ts: time.now + 3 },
      { kind: 'drop' as const, blobId: BLOB.toUpperCase(), ts: time.now + 4 },
    ]) {
      const bad = signShelf(bob, a.groupId, body)
      assert.equal(
        (await a.applyRemote(entryUpdate('shelf', bad.id, bad.entry), 'bob')).kind,
        'rejected',
        JSON.stringify(body),
      )
    }
    assert.deepEqual(a.shelfFile(id)?.holders, [founder.peerId])
    assert.equal(
      code(() => b.recordHolding([{ blobId: 'xyz', have: true }])),
      'BAD_INPUT',
    )
  })
})
