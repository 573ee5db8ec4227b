import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { ShelfFile } from '../../../shared/api/index.ts'
import { availability, secondsLeft } from './availability.ts'
import { breadcrumbs, listFolder } from './tree.ts'

let n = 0
function file(name: string, folder = '', extra: Partial<ShelfFile> = {}): ShelfFile {
  n++
  return {
    fileId: String(n).padStart(26, 'a'),
    name,
    folder,
    size: 10,
    sha256: 'b'.repeat(64),
    mediaType: 'text/plain',
    addedBy: 'peer',
    addedByName: 'Ana',
    addedAt: 1000 + n,
    local: false,
    removed: false,
    holders: [],
    keep: true,
    keepReason: 'size',
    transfer: null,
    ...extra,
  }
}

test('a folder shows its subfolders, one row per name with its versions, and removed names', () => {
  const v1 = file('menu.pdf')
  const v2 = file('menu.pdf')
  const gone = file('old.txt', '', { removed: true })
  const files = [
    file('b.jpg', 'Photos/2026'),
    file('a.jpg', 'Photos/2026'),
    file('c.jpg', 'Photos'),
    file('gone.jpg', 'Photos/junk', { removed: true }),
    file('report.txt', 'Work'),
    v2,
    v1,
    gone,
    file('zeta.txt'),
  ]
  const top = listFolder(files, '')
  assert.deepEqual(top.folders, [
    { name: 'Photos', path: 'Photos', files: 3 },
    { name: 'Work', path: 'Work', files: 1 },
  ])
  assert.deepEqual(
    top.files.map((r) => [r.latest.name, r.versions.length]),
    [
      ['menu.pdf', 2],
      ['zeta.txt', 1],
    ],
  )
  assert.equal(top.files[0]?.latest, v2, 'the newest version leads')
  assert.deepEqual(top.files[0]?.versions, [v1, v2], 'versions oldest first')
  assert.deepEqual(
    top.removed.map((r) => r.latest),
    [gone],
  )
  // A folder holding only removed files is not shown; a made-up empty one is.
  const photos = listFolder(files, 'Photos', ['Photos/new'])
  assert.deepEqual(
    photos.folders.map((f) => [f.name, f.files]),
    [
      ['2026', 2],
      ['new', 0],
    ],
  )
  assert.deepEqual(
    listFolder(files, 'Photos/2026').files.map((r) => r.latest.name),
    ['a.jpg', 'b.jpg'],
  )
  // When the newest version is removed, the one before it is what shows.
  const older = file('plan.txt', 'X')
  const newer = file('plan.txt', 'X', { removed: true })
  assert.equal(listFolder([older, newer], 'X').files[0]?.latest, older)
})

test('breadcrumbs walk from the top of the shelf down', () => {
  assert.deepEqual(breadcrumbs(''), [{ name: '', path: '' }])
  assert.deepEqual(breadcrumbs('a/b c'), [
    { name: '', path: '' },
    { name: 'a', path: 'a' },
    { name: 'b c', path: 'a/b c' },
  ])
})

test('availability combines holders with who is connected', () => {
  const names: Record<string, string> = { me: 'Me', minsu: 'Minsu', ana: 'Ana' }
  const nameOf = (p: string) => names[p] ?? ''
  const online = (set: string[]) => (p: string) => set.includes(p)
  assert.deepEqual(availability({ holders: [] }, 'me', nameOf, online([])), { kind: 'nowhere' })
  assert.deepEqual(availability({ holders: ['me'] }, 'me', nameOf, online([])), {
    kind: 'only-here',
  })
  assert.deepEqual(availability({ holders: ['minsu'] }, 'me', nameOf, online([])), {
    kind: 'only',
    peerId: 'minsu',
    name: 'Minsu',
    online: false,
  })
  assert.deepEqual(
    availability({ holders: ['ana', 'me', 'minsu'] }, 'me', nameOf, online(['ana'])),
    {
      kind: 'many',
      count: 3,
      online: 1,
      here: true,
    },
  )
  assert.deepEqual(availability({ holders: ['ana', 'minsu'] }, 'me', nameOf, online([])), {
    kind: 'many',
    count: 2,
    online: 0,
    here: false,
  })
  assert.equal(secondsLeft(5, 10, 0), null)
  assert.equal(secondsLeft(10, 10, 5), null)
  assert.equal(secondsLeft(0, 10, 3), 4)
})
