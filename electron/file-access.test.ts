import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import { PathGrants } from './file-access.ts'

describe('PathGrants', () => {
  const dataDir = path.resolve('/home/minsu/.config/Hearth')
  const picked = path.resolve('/home/minsu/Documents/report.pdf')

  test('files in the data folder and files from a dialog are allowed', () => {
    const grants = new PathGrants([dataDir])
    assert.equal(grants.allows(path.join(dataDir, 'blobs', 'ab', 'cd')), true)
    assert.equal(grants.allows(picked), false)
    grants.grant([picked])
    assert.equal(grants.allows(picked), true)
  })

  test('anything else is refused, however it is written', () => {
    const grants = new PathGrants([dataDir])
    grants.grant([picked])
    for (const candidate of [
      '/etc/passwd',
      dataDir,
      `${dataDir}-evil/x`,
      path.join(dataDir, '..', '..', '.bashrc'),
      path.join(path.dirname(picked), 'other.pdf'),
      'report.pdf',
      `${picked}\0.txt`,
    ]) {
      assert.equal(grants.allows(candidate), false, candidate)
    }
  })
})
