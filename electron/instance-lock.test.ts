import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { acquireFolderLock, LOCK_FILE } from './instance-lock.ts'

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-lock-'))
after(() => fs.rmSync(root, { recursive: true, force: true }))
let n = 0
const folder = () => fs.mkdtempSync(path.join(root, `d${n++}-`))

const me = { pid: 100, host: 'pc-a' }
const alive = (pids: number[]) => (pid: number) => pids.includes(pid)

describe('the portable folder lock', () => {
  test('the first instance gets it, a second one on the same computer does not', () => {
    const dir = folder()
    const first = acquireFolderLock(dir, me, alive([100]))
    assert.equal(first.acquired, true)
    const second = acquireFolderLock(dir, { pid: 200, host: 'pc-a' }, alive([100, 200]))
    assert.deepEqual(second, { acquired: false, heldBy: me })
    if (first.acquired) first.release()
    assert.deepEqual(fs.readdirSync(dir), [], 'released: the file is gone')
    assert.equal(acquireFolderLock(dir, { pid: 200, host: 'pc-a' }, alive([200])).acquired, true)
  })

  test('a lock left by a crash, by another computer, or half written is taken over', () => {
    const cases: [string, number[]][] = [
      [JSON.stringify({ pid: 300, host: 'pc-a' }), []], // that process is gone
      [JSON.stringify({ pid: 300, host: 'pc-b' }), [300]], // another computer's pid 300
      ['{"pid": 3', [3]], // cut short
    ]
    for (const [left, running] of cases) {
      const dir = folder()
      fs.writeFileSync(path.join(dir, LOCK_FILE), left)
      const result = acquireFolderLock(dir, me, alive(running))
      assert.equal(result.acquired, true, left)
      assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8')), me)
    }
  })

  test('release leaves a lock that is no longer ours alone', () => {
    const dir = folder()
    const mine = acquireFolderLock(dir, me, alive([100]))
    const other = JSON.stringify({ pid: 400, host: 'pc-a' })
    fs.writeFileSync(path.join(dir, LOCK_FILE), other)
    if (mine.acquired) mine.release()
    assert.equal(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8'), other)
  })
})
