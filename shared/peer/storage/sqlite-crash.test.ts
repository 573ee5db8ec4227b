// "Acknowledged means fsynced": a child process appends (and now and then compacts) as fast as it
// can, printing each seq only after appendUpdate returned. We SIGKILL it mid-burst, reopen, and
// every printed seq must be there, once, in a database sqlite itself calls sound.
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { pathToFileURL } from 'node:url'
import { DATABASE_FILE, openSqliteStore } from './sqlite.ts'

const storeModule = pathToFileURL(path.join(import.meta.dirname, 'sqlite.ts')).href

// Runs in the child. It continues where the previous round stopped, so each round also proves the
// database reopens after a kill.
const writer = `
import { openSqliteStore } from ${JSON.stringify(storeModule)}
const store = openSqliteStore(process.argv[1])
store.addGroup('g', 1)
const encode = (s) => new TextEncoder().encode(s)
for (let seq = store.lastSeq('g') + 1; ; seq++) {
  const got = store.appendUpdate('g', encode('u' + seq))
  if (got !== seq) throw new Error('expected seq ' + seq + ', got ' + got)
  process.stdout.write(got + '\\n')
  if (seq % 50 === 0) store.compact('g', encode('s' + (seq - 10)), seq - 10)
}
`

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-crash-'))
after(() => fs.rmSync(dir, { recursive: true, force: true }))

/** Starts the writer, kills it with SIGKILL after `acks` acknowledged appends, returns every ack. */
function runUntilKilled(acks: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--no-warnings', '--input-type=module', '-e', writer, dir],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    const seen: number[] = []
    let pending = ''
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk
      const lines = pending.split('\n')
      pending = lines.pop() ?? ''
      for (const line of lines) seen.push(Number(line))
      if (seen.length >= acks && child.signalCode === null) child.kill('SIGKILL')
    })
    child.on('error', reject)
    // 'close' comes after stdout has ended, so every ack the child printed has been read.
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL') {
        reject(new Error(`the writer exited by itself (code ${code}): ${stderr}`))
      } else {
        resolve(seen)
      }
    })
  })
}

/** Expands what the store holds back into the seqs it covers: a snapshot "sN" stands for 1..N. */
function storedSeqs(updates: string[]): number[] {
  const seqs: number[] = []
  for (const [i, u] of updates.entries()) {
    if (u.startsWith('s')) {
      assert.equal(i, 0, 'the snapshot comes first')
      for (let s = 1; s <= Number(u.slice(1)); s++) seqs.push(s)
    } else {
      assert.match(u, /^u\d+$/)
      seqs.push(Number(u.slice(1)))
    }
  }
  return seqs
}

test('K1 every acknowledged append survives kill -9, with no duplicates and a sound file', async () => {
  const acked: number[] = []
  for (const acks of [60, 173, 311]) {
    acked.push(...(await runUntilKilled(acks)))

    const db = new DatabaseSync(path.join(dir, DATABASE_FILE))
    assert.equal(db.prepare('PRAGMA integrity_check').get()?.integrity_check, 'ok')
    assert.deepEqual(db.prepare('PRAGMA foreign_key_check').all(), [])
    db.close()

    const store = openSqliteStore(dir)
    const updates = store.loadUpdates('g').map((u) => new TextDecoder().decode(u))
    const lastSeq = store.lastSeq('g')
    store.close()

    const seqs = storedSeqs(updates)
    assert.deepEqual(
      seqs,
      Array.from({ length: lastSeq }, (_, i) => i + 1),
      'stored seqs are exactly 1..lastSeq, each once, in order',
    )
    assert.equal(new Set(acked).size, acked.length, 'no seq was acknowledged twice')
    const lost = acked.filter((seq) => seq > lastSeq)
    assert.deepEqual(lost, [], 'acknowledged appends were lost')
  }
  assert.ok(acked.length >= 60 + 173 + 311)
})
