import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import { PathGrants, safeFileName } from './file-access.ts'

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

describe('safeFileName', () => {
  test('keeps ordinary names, including Korean', () => {
    assert.equal(safeFileName('holiday photo.jpg'), 'holiday photo.jpg')
    assert.equal(safeFileName('가족 사진.png'), '가족 사진.png')
  })

  test('drops folders, traversal and hidden-file dots', () => {
    assert.equal(safeFileName('../../.bashrc'), 'bashrc')
    assert.equal(safeFileName('C:\\Windows\\system32\\evil.dll'), 'evil.dll')
    assert.equal(safeFileName('/etc/passwd'), 'passwd')
    assert.equal(safeFileName('...'), undefined)
    assert.equal(safeFileName('dir/'), undefined)
  })

  test('neutralises characters that lie or that Windows forbids', () => {
    assert.equal(safeFileName('invoice\u202efdp.exe'), 'invoice_fdp.exe')
    assert.equal(safeFileName('a<b>c:d"e|f?g*h.txt'), 'a_b_c_d_e_f_g_h.txt')
    assert.equal(safeFileName('trailing. . '), 'trailing')
  })

  test('refuses reserved Windows names and caps the length, keeping the extension', () => {
    assert.equal(safeFileName('CON'), undefined)
    assert.equal(safeFileName('nul.txt'), undefined)
    assert.equal(safeFileName('com1.log'), undefined)
    const long = safeFileName(`${'x'.repeat(10_000)}.pdf`)
    assert.ok(long !== undefined && [...long].length === 200 && long.endsWith('.pdf'))
  })
})
